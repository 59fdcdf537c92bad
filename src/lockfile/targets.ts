import { HbuildError } from '../core/errors.js';
import { normalizeName } from '../core/pep503.js';
import type { Lock, LockPackage } from './schema.js';
import { parseBuildRequire } from './package-ids.js';

/** One target of a lock: a lock with `builder:` has exactly one, named after its image. */
export interface LockTarget {
  name: string;
  image: string;
  rootfs: string;
}

/** A one-target lock: today's form, with `builder:`. */
export type OneTargetLock = Lock & { builder: NonNullable<Lock['builder']> };

/** Whether the lock names several targets (`targets:`) rather than one `builder:`. */
export function isMultiTarget(lock: Lock): boolean {
  return lock.targets !== undefined;
}

/** The lock's targets in their order; a one-target lock's is named after its image. */
export function lockTargets(lock: Lock): LockTarget[] {
  if (lock.targets) return lock.targets.map((t) => ({ name: t.name, image: t.image, rootfs: t.rootfs }));
  if (!lock.builder) throw new Error('lockTargets: a validated lock has builder: or targets:');
  return [{ name: lock.builder.image, image: lock.builder.image, rootfs: lock.builder.rootfs }];
}

/** Whether a package is built for a target: every target, unless its `targets:` names some. */
export function admits(pkg: Pick<LockPackage, 'targets'>, target: string): boolean {
  return pkg.targets === undefined || pkg.targets.includes(target);
}

/** A package's build requirements for one target: its list, or the target's entry of its mapping. */
export function buildRequiresFor(pkg: Pick<LockPackage, 'build-requires'>, target: string): string[] {
  const requires = pkg['build-requires'];
  return Array.isArray(requires) ? requires : (requires[target] ?? []);
}

/**
 * The lock as one target sees it, in today's one-target form: that target's builder,
 * the packages built for it, each with that target's build requirements, wheel pin and
 * derived image. A one-target lock is its own view.
 */
export function targetLock(lock: Lock, target: string): OneTargetLock {
  if (!lock.targets) {
    if (!lock.builder || lock.builder.image !== target) throw new Error(`targetLock: the lock has no target ${target}`);
    return lock as OneTargetLock;
  }
  const found = lock.targets.find((t) => t.name === target);
  if (!found) throw new Error(`targetLock: the lock has no target ${target}`);
  const { targets: _targets, ...rest } = lock;
  const packages = lock.packages.filter((p) => admits(p, target)).map((p) => packageFor(p, target));
  return { ...rest, builder: { image: found.image, rootfs: found.rootfs }, packages };
}

function packageFor(pkg: LockPackage, target: string): LockPackage {
  const { targets: _targets, wheels, 'builder-images': images, ...rest } = pkg;
  const out: LockPackage = { ...rest, 'build-requires': buildRequiresFor(pkg, target) };
  const wheel = wheels?.[target];
  if (wheel) out.wheel = wheel;
  const image = images?.[target];
  if (image) out['builder-image'] = image;
  return out;
}

/**
 * The targets a run covers: every target, or the one `--target` names. An unknown name
 * is a usage error that lists the lock's targets.
 */
export function selectTargets(lock: Lock, only: string | undefined, lockPath: string): LockTarget[] {
  const all = lockTargets(lock);
  if (only === undefined) return all;
  const found = all.filter((t) => t.name === only);
  if (found.length === 0) {
    throw new HbuildError('ERR_USAGE', `${lockPath} has no target ${only}`, {
      hint: `its targets: ${all.map((t) => t.name).join(', ')}`,
      details: { target: only, targets: all.map((t) => t.name) },
    });
  }
  return found;
}

/** Which of a lock's packages one target builds, by normalised name. */
export function targetKeys(lock: Lock, target: string): Set<string> {
  return new Set(lock.packages.filter((p) => admits(p, target)).map((p) => normalizeName(p.name)));
}

/** Every build requirement a package names, over all its targets, sorted and normalised. */
export function allBuildRequires(pkg: Pick<LockPackage, 'build-requires'>): string[] {
  const requires = pkg['build-requires'];
  const names = Array.isArray(requires) ? requires : Object.values(requires).flat();
  return [...new Set(names.map((n) => { const parsed = parseBuildRequire(n); return parsed === undefined ? n : parsed.version === undefined ? parsed.key : `${parsed.key}==${parsed.version}`; }))].sort();
}

/**
 * Every digest a lock pins: each sdist, and each wheel (`wheel:`, or in a lock with targets
 * every target's under `wheels:`). What `hbuild store gc --keep LOCK` keeps.
 */
export function pinnedDigests(lock: Lock): Set<string> {
  const pinned = new Set<string>();
  for (const pkg of lock.packages) {
    pinned.add(pkg.sdist.sha256);
    if (pkg.wheel) pinned.add(pkg.wheel.sha256);
    for (const wheel of Object.values(pkg.wheels ?? {})) pinned.add(wheel.sha256);
  }
  return pinned;
}
