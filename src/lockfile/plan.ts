import { resolve } from 'node:path';
import { HbuildError } from '../core/errors.js';
import { topologicalOrder } from './graph.js';
import { entriesByName, entryKey, matchBuildRequire, parseBuildRequire } from './package-ids.js';
import type { LoadedLock } from './read.js';
import { DEFAULT_SOURCE_DATE_EPOCH, type Builder, type LockPackage, type SdistPin, type WheelPin } from './schema.js';
import { isMultiTarget, lockTargets, targetLock } from './targets.js';

export interface PlannedPackage {
  /** As written in the lock. */
  name: string;
  /**
   * The key everything else refers to: the PEP 503 normalised name, or `name==version` when
   * the lock holds several versions of that name.
   */
  key: string;
  version: string;
  /** The pin, with `path` resolved to an absolute path when the lock gives one. */
  sdist: SdistPin;
  /** Normalised keys of the packages whose wheels this build needs, sorted. */
  buildRequires: string[];
  wheel?: WheelPin;
  /** The one index this package may come from, when the lock pins one. */
  index?: string;
  /** A reviewed exemption from the release-age quarantine. */
  quarantineExemption?: { reason: string; expires: string };
  /** The derived builder image the lock pins for it: extra Debian packages and rootfs digest. */
  builderImage?: { packages: string[]; rootfs: string };
}

export interface Plan {
  lockPath: string;
  /** The target planned for: a lock with `builder:` has one, named after its image. */
  target: string;
  builder: Builder;
  sourceDateEpoch: number;
  jobs?: number;
  /** Dependencies before dependents; ties broken by normalised name. */
  packages: PlannedPackage[];
}

function planPackage(pkg: LockPackage, dir: string, byName: ReadonlyMap<string, readonly LockPackage[]>): PlannedPackage {
  const sdist = pkg.sdist.path === undefined ? { ...pkg.sdist } : { ...pkg.sdist, path: resolve(dir, pkg.sdist.path) };
  const planned: PlannedPackage = {
    name: pkg.name,
    key: entryKey(pkg, byName),
    version: pkg.version,
    sdist,
    buildRequires: [...new Set((pkg['build-requires'] as string[]).map((req) => requiredKey(req, byName)))].sort(),
  };
  if (pkg.wheel) planned.wheel = { ...pkg.wheel };
  if (pkg.index) planned.index = pkg.index;
  if (pkg['builder-image']) planned.builderImage = { packages: [...pkg['builder-image']['debian-packages']], rootfs: pkg['builder-image'].rootfs };
  if (pkg['quarantine-exemption']) planned.quarantineExemption = { ...pkg['quarantine-exemption'] };
  return planned;
}

/** The key of the entry a validated `build-requires` text names. */
function requiredKey(text: string, byName: ReadonlyMap<string, readonly LockPackage[]>): string {
  const match = matchBuildRequire(text, byName);
  if ('problem' in match) throw new Error(`planBuild: ${match.problem}`);
  return entryKey(match.entry, byName);
}

/**
 * `only` and everything it build-requires, transitively. A name selects every version the
 * target holds of it, `name==version` one. Names the lock does not hold are a usage error;
 * a package of the lock that this target does not build is not planned for it.
 */
function closure(byKey: ReadonlyMap<string, PlannedPackage>, only: readonly string[], lockPath: string, lockByName: ReadonlyMap<string, readonly LockPackage[]>): Set<string> {
  const byName = entriesByName([...byKey.values()]);
  const keysOf = (text: string): string[] => {
    const parsed = parseBuildRequire(text);
    if (parsed === undefined) return [];
    if (parsed.version === undefined) return (byName.get(parsed.key) ?? []).map((e) => e.key);
    const match = matchBuildRequire(text, byName);
    return 'entry' in match ? [match.entry.key] : [];
  };
  const inLock = (text: string): boolean => {
    const parsed = parseBuildRequire(text);
    if (parsed === undefined) return false;
    return parsed.version === undefined ? lockByName.has(parsed.key) : 'entry' in matchBuildRequire(text, lockByName);
  };
  const unknown = only.filter((name) => !inLock(name));
  if (unknown.length > 0) {
    throw new HbuildError('ERR_USAGE', `not in ${lockPath}: ${unknown.join(', ')}`, {
      hint: 'name packages as they appear under packages: in the lock (case, "-", "_" and "." do not matter), or as name==version',
      details: { unknown },
    });
  }
  const selected = new Set<string>();
  const queue = only.flatMap(keysOf);
  while (queue.length > 0) {
    const key = queue.pop()!;
    if (selected.has(key)) continue;
    selected.add(key);
    queue.push(...(byKey.get(key)?.buildRequires ?? []));
  }
  return selected;
}

/**
 * The build plan of one target of a validated lock: pure, deterministic. `only` (names
 * as a user types them) narrows it to those packages and their build requirements;
 * undefined or empty means every package. A lock with several targets is planned once
 * per target; `target` is required for it.
 */
export function planBuild(loaded: LoadedLock, only?: readonly string[], target?: string): Plan {
  if (target === undefined && isMultiTarget(loaded.lock)) throw new Error('planBuild: a lock with targets is planned per target');
  const name = target ?? lockTargets(loaded.lock)[0]!.name;
  const lock = targetLock(loaded.lock, name);
  const lockByName = entriesByName(loaded.lock.packages);
  const byKey = new Map<string, PlannedPackage>();
  const byName = entriesByName(lock.packages);
  for (const pkg of lock.packages) {
    const planned = planPackage(pkg, loaded.dir, byName);
    byKey.set(planned.key, planned);
  }
  const selected = only !== undefined && only.length > 0 ? closure(byKey, only, loaded.path, lockByName) : new Set(byKey.keys());
  const graph = new Map([...selected].map((key) => [key, byKey.get(key)!.buildRequires]));

  const plan: Plan = {
    lockPath: loaded.path,
    target: name,
    builder: { image: lock.builder.image, rootfs: lock.builder.rootfs },
    sourceDateEpoch: lock.settings?.['source-date-epoch'] ?? DEFAULT_SOURCE_DATE_EPOCH,
    packages: topologicalOrder(graph).map((key) => byKey.get(key)!),
  };
  const jobs = lock.settings?.jobs;
  if (jobs !== undefined) plan.jobs = jobs;
  return plan;
}

/**
 * Every sdist of the lock once, whatever its targets, for the stages that do not depend on
 * the target (fetch, inspect, vet). A lock with one target: its plan. With several, each
 * package as its first target plans it, build requirements of all targets merged.
 */
export function planSources(loaded: LoadedLock, only?: readonly string[]): Plan {
  const plans = lockTargets(loaded.lock).map((t) => planBuild(loaded, only, t.name));
  if (plans.length === 1) return plans[0]!;
  const byKey = new Map<string, PlannedPackage>();
  for (const plan of plans) {
    for (const pkg of plan.packages) {
      const known = byKey.get(pkg.key);
      if (!known) byKey.set(pkg.key, { ...pkg, buildRequires: [...pkg.buildRequires] });
      else known.buildRequires = [...new Set([...known.buildRequires, ...pkg.buildRequires])].sort();
    }
  }
  const graph = new Map([...byKey].map(([key, pkg]) => [key, pkg.buildRequires]));
  return { ...plans[0]!, packages: topologicalOrder(graph).map((key) => byKey.get(key)!) };
}
