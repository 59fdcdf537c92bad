import { satisfies } from '@renovatebot/pep440';
import { HbuildError } from '../../core/errors.js';
import { normalizeName, PROJECT_NAME } from '../../core/pep503.js';
import { DEFAULT_PLATFORM, type TargetPlatform } from '../../core/marker-environment.js';
import { evaluateMarker, MarkerError } from '../../core/markers.js';
import { UvLock, type UvEdge, type UvPackage } from './schema.js';
import { readTomlInput, sha256Digest, tableLines, zodProblems } from './toml-input.js';
import type { LockInput } from './types.js';

/** The dependency group uv installs by default. */
const DEFAULT_GROUPS = ['dev'];

interface Node {
  pkg: UvPackage;
  line: number;
}

/**
 * Read a uv.lock. It is universal (every platform at once), so the packages for the
 * builder are found by walking the dependency graph from the project itself (its
 * `editable`/`virtual` entries, their default dependency group included), following only
 * edges whose marker holds for the target's platform (default: linux x86_64 CPython 3.11).
 */
export async function readUvLock(path: string, shown: string, platform: TargetPlatform = DEFAULT_PLATFORM): Promise<LockInput> {
  const { data, text } = await readTomlInput(path, shown);
  const parsed = UvLock.safeParse(data);
  if (!parsed.success) throw new HbuildError('ERR_USAGE', `${shown} is not a uv lock file: ${zodProblems(parsed.error)}`);
  const lock = parsed.data;
  if (lock.version !== 1) throw new HbuildError('ERR_USAGE', `${shown} has version ${lock.version}; hbuild reads uv.lock version 1`);
  const result: LockInput = { pins: [], problems: [], skipped: [] };
  if (lock['requires-python'] && !satisfies(platform.python, lock['requires-python'])) {
    result.problems.push({ file: shown, line: 1, text: '', reason: `requires-python ${lock['requires-python']} excludes the builder's Python ${platform.python}` });
  }
  const lines = tableLines(text, 'package');
  const nodes: Node[] = lock.package.map((pkg, i) => ({ pkg, line: lines[i] ?? 1 }));
  const byName = new Map<string, Node[]>();
  for (const node of nodes) byName.set(normalizeName(node.pkg.name), [...(byName.get(normalizeName(node.pkg.name)) ?? []), node]);

  const roots = nodes.filter((n) => isProject(n.pkg));
  const reached = new Map<Node, Set<string>>();
  const queue: Array<{ node: Node; extras: string[] }> = (roots.length > 0 ? roots : nodes).map((node) => ({ node, extras: [] }));
  while (queue.length > 0) {
    const { node, extras } = queue.shift()!;
    const edges: UvEdge[] = [];
    let done = reached.get(node);
    if (done === undefined) {
      done = new Set();
      reached.set(node, done);
      edges.push(...(node.pkg.dependencies ?? []));
      if (isProject(node.pkg)) edges.push(...DEFAULT_GROUPS.flatMap((g) => node.pkg['dev-dependencies']?.[g] ?? []));
    }
    for (const extra of extras) {
      if (done.has(extra)) continue;
      done.add(extra);
      edges.push(...(node.pkg['optional-dependencies']?.[extra] ?? []));
    }
    for (const edge of edges) {
      const holds = edgeHolds(edge, platform);
      if (typeof holds === 'string') {
        result.problems.push({ file: shown, line: node.line, text: `${node.pkg.name} → ${edge.name}`, reason: `bad marker: ${holds}` });
        continue;
      }
      if (!holds) continue;
      const target = pick(byName.get(normalizeName(edge.name)) ?? [], edge);
      if (!target) {
        result.problems.push({ file: shown, line: node.line, text: `${node.pkg.name} → ${edge.name}`, reason: 'depends on a package the lock does not contain' });
        continue;
      }
      queue.push({ node: target, extras: (edge.extra ?? []).map(normalizeName) });
    }
  }

  for (const node of nodes) {
    if (isProject(node.pkg)) continue;
    if (!reached.has(node)) {
      result.skipped.push({ file: shown, line: node.line, name: node.pkg.name, marker: `not needed on linux x86_64 CPython ${platform.markers['python_version']}` });
      continue;
    }
    addPin(node, shown, result);
  }
  return result;
}

function isProject(pkg: UvPackage): boolean {
  return pkg.source !== undefined && ('editable' in pkg.source || 'virtual' in pkg.source);
}

function edgeHolds(edge: UvEdge, platform: TargetPlatform): boolean | string {
  if (edge.marker === undefined) return true;
  try {
    return evaluateMarker(edge.marker, { platform });
  } catch (err) {
    if (err instanceof MarkerError) return err.message;
    throw err;
  }
}

function pick(candidates: Node[], edge: UvEdge): Node | undefined {
  if (edge.version === undefined) return candidates.length === 1 ? candidates[0] : undefined;
  return candidates.find((c) => c.pkg.version === edge.version);
}

function addPin(node: Node, shown: string, result: LockInput): void {
  const { pkg, line } = node;
  const problem = (reason: string): void => void result.problems.push({ file: shown, line, text: `${pkg.name} ${pkg.version ?? ''}`.trim(), reason });
  const kind = Object.keys(pkg.source ?? { registry: '' })[0];
  if (kind !== 'registry') return problem(`${kind} sources are not supported: pin a released version from an index`);
  if (!PROJECT_NAME.test(pkg.name) || pkg.version === undefined) return problem('has no valid name and version');
  const sdistSha256 = sha256Digest(pkg.sdist?.hash);
  if (pkg.sdist && !sdistSha256) return problem('its sdist has no sha256 hash');
  const wheelSha256s = [...new Set((pkg.wheels ?? []).map((w) => sha256Digest(w.hash)).filter((h): h is string => h !== undefined))].sort();
  if (result.pins.some((p) => p.key === normalizeName(pkg.name))) return problem('reached in two versions for the builder: hbuild locks one version per name');
  result.pins.push({
    name: pkg.name,
    key: normalizeName(pkg.name),
    version: pkg.version,
    hashes: [...new Set([...(sdistSha256 ? [sdistSha256] : []), ...wheelSha256s])].sort(),
    ...(sdistSha256 ? { sdistSha256 } : {}),
    wheelSha256s,
    origin: { file: shown, line },
  });
}
