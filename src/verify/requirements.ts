import { stat } from 'node:fs/promises';
import type { WheelInput } from '../builder/build-package.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { Store } from '../store/store.js';
import { sameWheel } from './compare-builds.js';
import type { LocalOutcome } from './verify-build.js';

export interface RequirementWheel extends WheelInput {
  sha256: string;
}

export type RequirementState = { ok: true; wheel: RequirementWheel } | { ok: false; reason: string };

export interface RequirementBoard {
  /** The wheel a dependent builds with, once known. */
  wait(key: string): Promise<RequirementState>;
  /** First settlement wins. */
  settle(key: string, state: RequirementState): void;
}

/**
 * Which wheel each package's dependents build with: exactly as in a normal
 * build, the pinned wheel from the store. A pin not yet in the store becomes
 * available once the package's standard build reproduces it; an unpinned
 * package offers its standard build's wheel, as `--record` would.
 */
export function createRequirementBoard(keys: readonly string[]): RequirementBoard {
  const waiting = new Map<string, { promise: Promise<RequirementState>; resolve: (s: RequirementState) => void; settled: boolean }>();
  for (const key of keys) {
    let resolve!: (s: RequirementState) => void;
    const promise = new Promise<RequirementState>((r) => (resolve = r));
    waiting.set(key, { promise, resolve, settled: false });
  }
  return {
    wait: (key) => waiting.get(key)?.promise ?? Promise.resolve({ ok: false, reason: `${key} is not part of this verification` }),
    settle(key, state) {
      const entry = waiting.get(key);
      if (!entry || entry.settled) return;
      entry.settled = true;
      entry.resolve(state);
    },
  };
}

/** Settle a pinned package whose wheel the store already holds (re-verified on the way). */
export async function settleFromStore(board: RequirementBoard, store: Store, pkg: PlannedPackage): Promise<void> {
  if (!pkg.wheel) return;
  const path = await store.verifiedBlob('wheels', pkg.wheel.sha256, pkg.wheel.file).catch(() => null);
  if (!path) return;
  board.settle(pkg.key, { ok: true, wheel: { file: pkg.wheel.file, sha256: pkg.wheel.sha256, path, size: (await stat(path)).size } });
}

/** Settle a package from its standard build: the pinned wheel when reproduced, the built wheel when unpinned. */
export async function settleFromControl(board: RequirementBoard, store: Store, pkg: PlannedPackage, control: LocalOutcome): Promise<void> {
  if (!control.wheel || !control.wheelPath) {
    board.settle(pkg.key, { ok: false, reason: `the standard build of ${pkg.name} failed` });
    return;
  }
  if (pkg.wheel && !sameWheel(control.wheel, pkg.wheel)) {
    board.settle(pkg.key, { ok: false, reason: `the pinned wheel of ${pkg.name} is not in the store and its standard build does not reproduce it` });
    return;
  }
  const stored = await store.putFile('wheels', control.wheelPath, { expected: control.wheel.sha256, what: control.wheel.file });
  board.settle(pkg.key, { ok: true, wheel: { file: control.wheel.file, sha256: stored.sha256, size: stored.size, path: store.blobPath('wheels', stored.sha256) } });
}
