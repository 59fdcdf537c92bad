import { relative } from 'node:path';
import { rm } from 'node:fs/promises';
import type { WheelInput } from '../builder/build-package.js';
import { isHbuildError } from '../core/errors.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { WheelDiff } from './diff-types.js';
import { judgeBuilds, sameWheel } from './compare-builds.js';
import { scanForSentinels } from './scan.js';
import type { BuildOutcome, PackageVerification } from './types.js';
import { plantedSentinels, type VariationName } from './variations.js';
import { packageBuildDir, runVerifyBuild, type LocalOutcome, type RecipeBuild, type VerifySetup } from './verify-build.js';
import { diffWheels } from './wheel-diff.js';

export interface PreparedSdist {
  path: string;
  sha256: string;
  /** The package's recipe, applied to every build as in a normal build. */
  recipe?: RecipeBuild;
}

/**
 * Verify one package: a standard build and one under every chosen variation;
 * when they differ, a second standard build (is it deterministic at all?) and
 * one build per variation (which one is to blame?). `onControl` hears of the
 * standard build as soon as it is done, so dependents need not wait for the rest.
 */
export async function verifyPackage(
  setup: VerifySetup,
  pkg: PlannedPackage,
  sdist: PreparedSdist,
  requirementWheels: WheelInput[],
  variations: VariationName[],
  onControl: (control: LocalOutcome) => Promise<void>,
): Promise<PackageVerification> {
  const build = (label: string, names: VariationName[], priority = 0): Promise<LocalOutcome> =>
    runVerifyBuild(setup, pkg, sdist.path, requirementWheels, label, names, priority, sdist.recipe);
  const variedBuild = build('variations', variations);
  // When the control build throws (a cancel), nobody awaits this one: its rejection is not unhandled.
  variedBuild.catch(() => undefined);
  const control = await build('control', [], 1);
  await onControl(control);
  const varied = await variedBuild;

  let repeat: LocalOutcome | undefined;
  let singles: LocalOutcome[] = [];
  if (control.wheel && !(varied.wheel && sameWheel(control.wheel, varied.wheel))) {
    if (varied.wheel) repeat = await build('control-repeat', []);
    const deterministic = !(repeat?.wheel && !sameWheel(repeat.wheel, control.wheel));
    if (deterministic && variations.length > 1) singles = await Promise.all(variations.map((v) => build(`only-${v}`, [v])));
  }
  const pinned = pkg.wheel ? { file: pkg.wheel.file, sha256: pkg.wheel.sha256 } : undefined;
  const judgement = judgeBuilds({ ...(pinned ? { pinned } : {}), variations, control, varied, ...(repeat ? { repeat } : {}), singles });

  let diff: WheelDiff | undefined;
  let pinDiff: WheelDiff | undefined;
  if (control.wheelPath && varied.wheelPath && judgement.reproducible === false) {
    diff = await diffWheels({ label: 'control', path: control.wheelPath }, { label: 'variations', path: varied.wheelPath });
  }
  for (const single of singles) {
    if (!control.wheelPath || !single.wheelPath || !single.wheel || !control.wheel || sameWheel(single.wheel, control.wheel)) continue;
    const d = await diffWheels({ label: 'control', path: control.wheelPath }, { label: single.label, path: single.wheelPath });
    single.differs = { classification: d.classification, files: d.differingFiles, kinds: [...new Set(d.differences.map((x) => x.kind))] };
  }
  if (judgement.pin === 'mismatch' && pinned && control.wheelPath) {
    const pinnedPath = await setup.store.verifiedBlob('wheels', pinned.sha256, pinned.file).catch((err: unknown) => {
      if (isHbuildError(err, 'ERR_STORE_CORRUPT')) return null;
      throw err;
    });
    if (pinnedPath) pinDiff = await diffWheels({ label: 'pinned', path: pinnedPath }, { label: 'control', path: control.wheelPath });
  }
  const leaks = varied.wheelPath ? await scanForSentinels(varied.wheelPath, plantedSentinels(variations, setup.sentinels)) : [];

  const builds = [control, varied, ...(repeat ? [repeat] : []), ...singles];
  if (judgement.status === 'identical') await rm(packageBuildDir(setup, pkg), { recursive: true, force: true });
  return {
    name: pkg.name,
    version: pkg.version,
    key: pkg.key,
    sdist: { file: pkg.sdist.file, sha256: sdist.sha256 },
    ...judgement,
    ...(pinned ? { pinned } : {}),
    builds: builds.map((b) => publicOutcome(b, setup.runDir, judgement.status !== 'identical')),
    ...(diff ? { diff } : {}),
    ...(pinDiff ? { pinDiff } : {}),
    leaks,
  };
}

function publicOutcome(outcome: LocalOutcome, runDir: string, keep: boolean): BuildOutcome {
  const { dir, wheelPath, ...rest } = outcome;
  if (!keep) return rest;
  return { ...rest, kept: { ...(wheelPath ? { wheel: relative(runDir, wheelPath) } : {}), log: relative(runDir, `${dir}/build.log`) } };
}
