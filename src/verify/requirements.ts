import { stat } from 'node:fs/promises';
import type { WheelInput } from '../builder/build-package.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { Store } from '../store/store.js';
import { sameWheel } from './compare-builds.js';
import type { LocalOutcome } from './verify-build.js';

export type RequirementWheel = WheelInput;

/**
 * Which wheel a package's dependents build with: exactly as in a normal build,
 * the pinned wheel from the store. A pin not yet in the store becomes available
 * once the package's standard build reproduces it; an unpinned package offers
 * its standard build's wheel, as `--record` would.
 */
export type RequirementState = { ok: true; wheel: RequirementWheel } | { ok: false; reason: string };

/** The pinned wheel, when the store already holds it (re-verified on the way). */
export async function requirementFromStore(store: Store, pkg: PlannedPackage): Promise<RequirementState | undefined> {
  if (!pkg.wheel) return undefined;
  const path = await store.verifiedBlob('wheels', pkg.wheel.sha256, pkg.wheel.file).catch(() => null);
  if (!path) return undefined;
  return { ok: true, wheel: { file: pkg.wheel.file, sha256: pkg.wheel.sha256, path, size: (await stat(path)).size } };
}

/** From a package's standard build: the pinned wheel when reproduced, the built wheel when unpinned. */
export async function requirementFromControl(store: Store, pkg: PlannedPackage, control: LocalOutcome): Promise<RequirementState> {
  if (!control.wheel || !control.wheelPath) return { ok: false, reason: `the standard build of ${pkg.name} failed` };
  if (pkg.wheel && !sameWheel(control.wheel, pkg.wheel)) {
    return { ok: false, reason: `the pinned wheel of ${pkg.name} is not in the store and its standard build does not reproduce it` };
  }
  const stored = await store.putFile('wheels', control.wheelPath, { expected: control.wheel.sha256, what: control.wheel.file });
  return { ok: true, wheel: { file: control.wheel.file, sha256: stored.sha256, size: stored.size, path: store.blobPath('wheels', stored.sha256) } };
}
