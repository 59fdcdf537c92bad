import { clean, valid } from '@renovatebot/pep440';
import { findCycles } from './graph.js';
import { sdistFileMatches, wheelFileMatches } from './names.js';
import { PROJECT_NAME, normalizeName } from '../core/pep503.js';
import type { Finding } from './lock-problems.js';
import { MAX_PACKAGES, SdistPin, WheelPin } from './schema.js';
import { BUILD_REQUIRE, entriesByName, entryKey, matchBuildRequire, packageId } from './package-ids.js';

/** Enough to act on; a hostile lock could otherwise make cycle reporting quadratic. */
const MAX_CYCLES = 20;

interface Entry {
  index: number;
  name: string;
  record: Record<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && PROJECT_NAME.test(value);
}

/** Entries with a usable name; whatever else is wrong with them the schema reports. */
function entriesOf(data: unknown): Entry[] {
  const packages = isRecord(data) ? data['packages'] : undefined;
  if (!Array.isArray(packages) || packages.length > MAX_PACKAGES) return [];
  const entries: Entry[] = [];
  for (const [index, record] of packages.entries()) {
    if (isRecord(record) && isName(record['name'])) entries.push({ index, name: record['name'], record });
  }
  return entries;
}

function fileFindings(entry: Entry): Finding[] {
  const { name, record, index } = entry;
  const version = record['version'];
  if (typeof version !== 'string' || valid(version) === null) return [];
  const findings: Finding[] = [];
  const stem = `${normalizeName(name).replaceAll('-', '_')}-${version}`;
  const sdist = isRecord(record['sdist']) ? record['sdist']['file'] : undefined;
  if (SdistPin.shape.file.safeParse(sdist).success && !sdistFileMatches(sdist as string, name, version)) {
    findings.push({ path: ['packages', index, 'sdist', 'file'], message: `expected the sdist of ${name} ${version}, named like ${stem}.tar.gz` });
  }
  const wheel = isRecord(record['wheel']) ? record['wheel']['file'] : undefined;
  if (WheelPin.shape.file.safeParse(wheel).success && !wheelFileMatches(wheel as string, name, version)) {
    findings.push({ path: ['packages', index, 'wheel', 'file'], message: `expected a wheel of ${name} ${version}, named like ${stem}-py3-none-any.whl` });
  }
  return findings;
}

/**
 * What a schema cannot say: one entry per name and version (a lock may hold several versions
 * of a name, e.g. two build backends packages need in incompatible ranges), build-requires
 * naming entries of this lock (`name==version`, or a bare name the lock holds once), no
 * self-reference, no cycles, file names matching the package. Works on unvalidated data so
 * these problems are reported together with schema ones.
 */
export function checkPackages(data: unknown): Finding[] {
  const entries = entriesOf(data);
  const findings: Finding[] = [];
  const byId = new Map<string, Entry>();
  const unique: Array<Entry & { version: string }> = [];
  for (const entry of entries) {
    const version = typeof entry.record['version'] === 'string' ? entry.record['version'] : '';
    const id = packageId(entry.name, clean(version) ?? version);
    const first = byId.get(id);
    if (first === undefined) {
      byId.set(id, entry);
      unique.push({ ...entry, version });
    } else findings.push({ path: ['packages', entry.index, 'name'], message: `duplicate package "${entry.name}" ${version}: packages[${first.index}] is "${first.name}" ${version}, the same name (after normalisation) and version` });
  }
  const byName = entriesByName(unique);
  const keyOf = (entry: Entry & { version: string }): string => entryKey(entry, byName);

  const graph = new Map<string, Set<string>>();
  const labels = new Map<string, string>();
  for (const entry of unique) {
    const key = keyOf(entry);
    labels.set(key, byName.get(normalizeName(entry.name))!.length > 1 ? `${entry.name} ${entry.version}` : entry.name);
    const requires = entry.record['build-requires'];
    const deps = new Set<string>();
    graph.set(key, deps);
    if (!Array.isArray(requires)) continue;
    for (const [i, req] of requires.entries()) {
      if (typeof req !== 'string' || !BUILD_REQUIRE.test(req)) continue;
      const path = ['packages', entry.index, 'build-requires', i];
      const match = matchBuildRequire(req, byName);
      if ('problem' in match) {
        findings.push({ path, message: match.problem });
        continue;
      }
      const dep = keyOf(match.entry);
      if (match.entry === entry) findings.push({ path, message: `${entry.name} cannot build-require itself` });
      else if (deps.has(dep)) findings.push({ path, message: `"${req}" is listed twice` });
      else deps.add(dep);
    }
  }
  for (const entry of entries) findings.push(...fileFindings(entry));

  const edges = new Map([...graph].map(([key, deps]) => [key, [...deps]]));
  const indexOf = new Map(unique.map((e) => [keyOf(e), e.index]));
  for (const cycle of findCycles(edges, MAX_CYCLES)) {
    const names = cycle.map((key) => labels.get(key)!);
    findings.push({ path: ['packages', indexOf.get(cycle[0]!)!, 'build-requires'], message: `dependency cycle: ${names.join(' → ')}`, at: 'key' });
  }
  return findings;
}
