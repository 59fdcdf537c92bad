import { normalizeName } from '../core/pep503.js';
import type { Finding } from './lock-problems.js';
import { INPUT_REQUIREMENT, MAX_PACKAGES, type Lock } from './schema.js';

/** One entry of the lock's `inputs`: a package of the lock, with the extras its input asked for. */
export interface RequestedPackage {
  /** PEP 503 normalised. */
  key: string;
  /** Normalised extra names, sorted, without duplicates. */
  extras: string[];
}

/** `requests[socks]` → `{ key: 'requests', extras: ['socks'] }`; undefined when it is not of that form. */
export function parseInputEntry(text: string): RequestedPackage | undefined {
  const match = INPUT_REQUIREMENT.exec(text);
  if (match === null) return undefined;
  const extras = match[2] === undefined ? [] : [...new Set(match[2].split(',').map(normalizeName))].sort();
  return { key: normalizeName(match[1] as string), extras };
}

/** `{ key, extras }` back to the form the lock records. */
export function formatInputEntry(requested: RequestedPackage): string {
  return requested.extras.length === 0 ? requested.key : `${requested.key}[${requested.extras.join(',')}]`;
}

/**
 * What the lock says was asked for, or undefined for a lock that does not record it
 * (written before `inputs` existed): then every package counts as asked for.
 */
export function requestedPackages(lock: Lock): RequestedPackage[] | undefined {
  return lock.inputs?.map((entry) => parseInputEntry(entry) as RequestedPackage);
}

/**
 * What the schema cannot say about `inputs`: each entry names a package of this lock,
 * and names it once. Works on unvalidated data, like checkPackages.
 */
export function checkInputs(data: unknown): Finding[] {
  if (typeof data !== 'object' || data === null) return [];
  const { inputs, packages } = data as Record<string, unknown>;
  if (!Array.isArray(inputs) || inputs.length > MAX_PACKAGES || !Array.isArray(packages)) return [];
  const names = new Set<string>();
  for (const pkg of packages) {
    const name = (pkg as Record<string, unknown> | null)?.['name'];
    if (typeof name === 'string') names.add(normalizeName(name));
  }
  const findings: Finding[] = [];
  const seen = new Map<string, number>();
  for (const [i, entry] of inputs.entries()) {
    const parsed = typeof entry === 'string' ? parseInputEntry(entry) : undefined;
    if (parsed === undefined) continue;
    const first = seen.get(parsed.key);
    if (!names.has(parsed.key)) findings.push({ path: ['inputs', i], message: `"${entry as string}" names no package of this lock` });
    else if (first !== undefined) findings.push({ path: ['inputs', i], message: `"${entry as string}" names ${parsed.key} again (inputs[${first}]); give its extras in one entry` });
    else seen.set(parsed.key, i);
  }
  return findings;
}
