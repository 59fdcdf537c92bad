import { dirname, resolve } from 'node:path';
import { isMap, isNode, isScalar, isSeq } from 'yaml';
import { checkPackages } from './check-packages.js';
import { checkTargets } from './check-targets.js';
import { checkInputs } from './inputs.js';
import { normalizeName } from '../core/pep503.js';
import { packageId } from './package-ids.js';
import { lockInvalid, type PathSegment } from './lock-problems.js';
import { MAX_LOCK_BYTES, readLockFile, tooLarge } from './read-file.js';
import type { Lock } from './schema.js';
import { checkSchema } from './validate.js';
import { checkDocument, lineAt, locate, parseLockYaml, type LockSource } from './yaml-source.js';

/** A lock that passed every check, with where it came from. */
export interface LoadedLock {
  /** Absolute path of the lock file. */
  path: string;
  /** Its directory: `sdist.path` entries are relative to it. */
  dir: string;
  lock: Lock;
  /** Normalised package name (its first entry) and `name==version` → 1-based line of the entry, for later messages. */
  lines: Map<string, number>;
}

/** The only fields that are numbers; every other scalar in a lock is text. */
function isNumberField(path: readonly PathSegment[]): boolean {
  const [top, , field, sub] = path;
  if (path.length === 1) return top === 'version';
  if (top === 'settings') return path.length === 2;
  return top === 'packages' && field === 'sdist' && sub === 'size' && path.length === 4;
}

/**
 * YAML 1.2 reads `version: 1.10` as the number 1.1 and an all-digit sha256 as a float.
 * Where the lock means text, a plain scalar is taken exactly as written.
 */
function keepSourceText(node: unknown, path: PathSegment[]): void {
  if (isScalar(node)) {
    const typed = typeof node.value === 'number' || typeof node.value === 'boolean';
    if (typed && node.type === 'PLAIN' && node.source !== undefined && !isNumberField(path)) node.value = node.source;
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) keepSourceText(item, [...path, i]);
  } else if (isMap(node)) {
    for (const pair of node.items) if (isScalar(pair.key)) keepSourceText(pair.value, [...path, String(pair.key.value)]);
  }
}

function packageLines(source: LockSource, lock: Lock): Map<string, number> {
  const lines = new Map<string, number>();
  const packages = source.doc.get('packages', true);
  for (const [i, pkg] of lock.packages.entries()) {
    const node = isSeq(packages) ? packages.items[i] : undefined;
    const range = isNode(node) ? node.range : undefined;
    const line = range ? lineAt(source, range[0]) : 1;
    if (!lines.has(normalizeName(pkg.name))) lines.set(normalizeName(pkg.name), line);
    lines.set(packageId(pkg.name, pkg.version), line);
  }
  return lines;
}

/**
 * Parse and validate lock text. Every problem is collected and thrown at once as
 * ERR_LOCK_INVALID, each with its data path and YAML line; `path` names the file in them.
 */
export function parseLock(text: string, path: string): LoadedLock {
  const lockPath = resolve(path);
  if (Buffer.byteLength(text, 'utf8') > MAX_LOCK_BYTES) throw tooLarge(lockPath);
  const source = parseLockYaml(text);
  const { problems, blocking } = checkDocument(source);
  if (blocking) throw lockInvalid(lockPath, problems);

  keepSourceText(source.doc.contents, []);
  const data: unknown = source.doc.toJS({ maxAliasCount: 0 });
  const schema = checkSchema(data);
  if (!schema.ok) problems.push(...locate(source, schema.findings));
  problems.push(...locate(source, checkPackages(data)), ...locate(source, checkTargets(data)), ...locate(source, checkInputs(data)));
  if (problems.length > 0 || !schema.ok) throw lockInvalid(lockPath, problems);

  return { path: lockPath, dir: dirname(lockPath), lock: schema.lock, lines: packageLines(source, schema.lock) };
}

/** Read and validate a lock file; a missing or unreadable file is a usage error. */
export async function readLock(path: string): Promise<LoadedLock> {
  const { text } = await readLockFile(resolve(path));
  return parseLock(text, path);
}
