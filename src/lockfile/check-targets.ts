import { findCycles } from './graph.js';
import type { Finding, PathSegment } from './lock-problems.js';
import { wheelFileMatches } from './names.js';
import { PROJECT_NAME } from '../core/pep503.js';
import { entriesByName, entryKey, matchBuildRequire, parseBuildRequire } from './package-ids.js';
import { MAX_PACKAGES, TargetName } from './schema.js';

const MAX_CYCLES = 20;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && PROJECT_NAME.test(value);
}

/** Per-target keys of a lock with `builder:`: refused, since that lock has one target. */
const MULTI_ONLY = ['targets', 'wheels', 'builder-images'] as const;

interface Entry {
  index: number;
  name: string;
  record: Record<string, unknown>;
  /** The targets it is built for (valid names only). */
  targets: string[];
}

/**
 * What the schema cannot say about targets: exactly one of `builder:` and `targets:`;
 * unique target names; per-target keys only in a lock with targets, and single-target
 * keys only without; every per-target key naming a target the package is built for;
 * per target, build requirements that are built for that target, without cycles.
 * Works on unvalidated data, so these problems are reported with the schema's.
 */
export function checkTargets(data: unknown): Finding[] {
  if (!isRecord(data)) return [];
  const findings: Finding[] = [];
  const hasBuilder = data['builder'] !== undefined;
  const hasTargets = data['targets'] !== undefined;
  if (hasBuilder && hasTargets) findings.push({ path: ['targets'], message: 'a lock has either builder: (one target) or targets: (several), not both', at: 'key' });
  if (!hasBuilder && !hasTargets) findings.push({ path: ['builder'], message: 'missing required key: a lock names its builder image under builder:, or several under targets:' });

  const lockTargets = hasTargets ? targetNames(data['targets'], findings) : [];
  const packages = data['packages'];
  if (!Array.isArray(packages) || packages.length > MAX_PACKAGES) return findings;
  const entries: Entry[] = [];
  for (const [index, record] of packages.entries()) {
    if (!isRecord(record)) continue;
    const at = (...rest: PathSegment[]): PathSegment[] => ['packages', index, ...rest];
    if (!hasTargets) {
      for (const key of MULTI_ONLY) if (record[key] !== undefined) findings.push({ path: at(key), message: `${key}: is for a lock with targets:; this lock has one builder:`, at: 'key' });
      if (isRecord(record['build-requires'])) findings.push({ path: at('build-requires'), message: 'expected a list of package names: a mapping by target is for a lock with targets:' });
      continue;
    }
    if (record['wheel'] !== undefined) findings.push({ path: at('wheel'), message: 'a lock with targets pins wheels per target: wheels: {TARGET: {file, sha256}}', at: 'key' });
    if (record['builder-image'] !== undefined) findings.push({ path: at('builder-image'), message: 'a lock with targets pins derived images per target: builder-images: {TARGET: {debian-packages, rootfs}}', at: 'key' });
    const own = Array.isArray(record['targets']) ? record['targets'] : undefined;
    const seen = new Set<string>();
    for (const [i, name] of (own ?? []).entries()) {
      if (typeof name !== 'string' || !TargetName.safeParse(name).success) continue;
      if (!lockTargets.includes(name)) findings.push({ path: at('targets', i), message: `"${name}" is not a target of this lock (${lockTargets.join(', ')})` });
      else if (seen.has(name)) findings.push({ path: at('targets', i), message: `"${name}" is listed twice` });
      seen.add(name);
    }
    const targets = own ? lockTargets.filter((t) => seen.has(t)) : lockTargets;
    for (const key of ['wheels', 'builder-images', 'build-requires'] as const) {
      const map = record[key];
      if (!isRecord(map)) continue;
      for (const name of Object.keys(map)) {
        if (!targets.includes(name)) findings.push({ path: at(key, name), message: `"${name}" is not a target this package is built for (${targets.join(', ')})`, at: 'key' });
      }
    }
    const wheels = record['wheels'];
    const name = record['name'];
    const version = record['version'];
    if (isRecord(wheels) && isName(name) && typeof version === 'string') {
      for (const [target, pin] of Object.entries(wheels)) {
        const file = isRecord(pin) ? pin['file'] : undefined;
        if (typeof file === 'string' && /\.whl$/.test(file) && !wheelFileMatches(file, name, version)) {
          findings.push({ path: at('wheels', target, 'file'), message: `expected a wheel of ${name} ${version}` });
        }
      }
    }
    if (isName(name)) entries.push({ index, name, record, targets });
  }
  if (hasTargets) findings.push(...perTargetRequirements(entries, lockTargets));
  return findings;
}

function targetNames(value: unknown, findings: Finding[]): string[] {
  if (!Array.isArray(value)) return [];
  const names: string[] = [];
  for (const [i, target] of value.entries()) {
    const name = isRecord(target) ? target['name'] : undefined;
    if (typeof name !== 'string' || !TargetName.safeParse(name).success) continue;
    if (names.includes(name)) findings.push({ path: ['targets', i, 'name'], message: `duplicate target "${name}"` });
    else names.push(name);
  }
  return names;
}

/** A mapping's build requirements must be built for that target; per target, no cycles. */
function perTargetRequirements(entries: Entry[], lockTargets: string[]): Finding[] {
  const findings: Finding[] = [];
  const versioned = entries.map((e) => ({ ...e, version: typeof e.record['version'] === 'string' ? e.record['version'] : '' }));
  const lockByName = entriesByName(versioned);
  for (const target of lockTargets) {
    const mine = versioned.filter((e) => e.targets.includes(target));
    const byName = entriesByName(mine);
    const graph = new Map<string, string[]>();
    const labels = new Map<string, (typeof mine)[number]>();
    for (const entry of mine) {
      const key = entryKey(entry, byName);
      labels.set(key, entry);
      const requires = entry.record['build-requires'];
      const list = Array.isArray(requires) ? requires : isRecord(requires) && Array.isArray(requires[target]) ? (requires[target] as unknown[]) : [];
      const path: PathSegment[] = Array.isArray(requires) ? ['packages', entry.index, 'build-requires'] : ['packages', entry.index, 'build-requires', target];
      const deps: string[] = [];
      for (const [i, req] of list.entries()) {
        if (typeof req !== 'string' || parseBuildRequire(req) === undefined) continue;
        const match = matchBuildRequire(req, byName);
        if ('entry' in match) {
          deps.push(entryKey(match.entry, byName));
          continue;
        }
        const inLock = matchBuildRequire(req, lockByName);
        // Names missing from the lock, and ambiguous names, are reported by checkPackages for a list.
        if ('entry' in inLock) findings.push({ path: [...path, i], message: `"${req}" is not built for target ${target}, which ${entry.name} needs it for` });
        else if (!Array.isArray(requires)) findings.push({ path: [...path, i], message: match.problem });
      }
      graph.set(key, [...new Set(deps)]);
    }
    // Lists are the same for every target: checkPackages reports their cycles once.
    if (entries.every((e) => Array.isArray(e.record['build-requires']))) continue;
    for (const cycle of findCycles(graph, MAX_CYCLES)) {
      const first = labels.get(cycle[0]!)!;
      findings.push({ path: ['packages', first.index, 'build-requires'], message: `dependency cycle for target ${target}: ${cycle.map((k) => labels.get(k)!.name).join(' → ')}`, at: 'key' });
    }
  }
  return findings;
}
