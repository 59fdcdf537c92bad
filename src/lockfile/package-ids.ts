import { eq, valid } from '@renovatebot/pep440';
import { normalizeName, PROJECT_NAME } from '../core/pep503.js';

/**
 * A lock may hold several versions of one name (build backends that packages need in
 * incompatible ranges). An entry is then known by `name==version`; a name the lock holds
 * once keeps its plain normalised name as its key, so the keys, events and outputs of a
 * lock with one version per name are what they always were.
 */

const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
/** A `build-requires` entry: `name` or `name==version`. */
export const BUILD_REQUIRE = new RegExp(`^(${NAME})(?:==([A-Za-z0-9][A-Za-z0-9.+!_-]*))?$`);

/** `name==version` with the name normalised: how `hbuild lock` writes a build requirement. */
export function packageId(name: string, version: string): string {
  return `${normalizeName(name)}==${version}`;
}

/** `flit-core==3.12.0` → `{ key: 'flit-core', version: '3.12.0' }`; `flit-core` → `{ key: 'flit-core' }`. */
export function parseBuildRequire(text: string): { key: string; version?: string } | undefined {
  const match = BUILD_REQUIRE.exec(text);
  if (match === null || !PROJECT_NAME.test(match[1]!)) return undefined;
  if (match[2] !== undefined && valid(match[2]) === null) return undefined;
  return match[2] === undefined ? { key: normalizeName(match[1]!) } : { key: normalizeName(match[1]!), version: match[2] };
}

export interface NamedEntry {
  name: string;
  version: string;
}

/** Entries by normalised name, in lock order: what a build requirement is looked up in. */
export function entriesByName<T extends NamedEntry>(entries: readonly T[]): Map<string, T[]> {
  const byName = new Map<string, T[]>();
  for (const entry of entries) {
    const key = normalizeName(entry.name);
    byName.set(key, [...(byName.get(key) ?? []), entry]);
  }
  return byName;
}

/** The key of each entry: its normalised name, or `name==version` when the lock holds that name more than once. */
export function entryKey(entry: NamedEntry, byName: ReadonlyMap<string, readonly NamedEntry[]>): string {
  const key = normalizeName(entry.name);
  return (byName.get(key)?.length ?? 0) > 1 ? packageId(key, entry.version) : key;
}

export type BuildRequireMatch<T> = { entry: T } | { problem: string };

/**
 * The entry a `build-requires` text names: `name==version` the entry of that version (PEP 440
 * equal), a bare name the one entry of that name; a bare name the lock holds several versions
 * of is ambiguous.
 */
export function matchBuildRequire<T extends NamedEntry>(text: string, byName: ReadonlyMap<string, readonly T[]>): BuildRequireMatch<T> {
  const parsed = parseBuildRequire(text);
  if (parsed === undefined) return { problem: `"${text}" is not a name or name==version` };
  const candidates = byName.get(parsed.key) ?? [];
  if (candidates.length === 0) return { problem: `"${text}" is not a package in this lock` };
  if (parsed.version === undefined) {
    if (candidates.length === 1) return { entry: candidates[0]! };
    return { problem: `"${text}" is ambiguous: this lock holds ${candidates.map((c) => `${parsed.key} ${c.version}`).join(' and ')}; write ${parsed.key}==VERSION` };
  }
  const found = candidates.find((c) => c.version === parsed.version || (valid(c.version) !== null && eq(c.version, parsed.version!)));
  if (found === undefined) return { problem: `"${text}" is not a package in this lock (it holds ${parsed.key} ${candidates.map((c) => c.version).join(', ')})` };
  return { entry: found };
}
