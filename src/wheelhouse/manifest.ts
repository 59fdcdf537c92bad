import { compare } from '@renovatebot/pep440';
import type { PackageRecord } from './package-record.js';
import { distinctWheels, type WheelhouseTarget } from './targets.js';

export interface ManifestContext {
  hbuildVersion: string;
  lock: { path: string; sha256: string };
  builder: { image: string; rootfs: string; imageId: string };
  sourceDateEpoch: number;
}

/** Which wheels requirements.txt installs, and what the lock asked for (null: a lock without `inputs`, so everything). */
export interface ManifestRequirements {
  requested: string[] | null;
  /** Whether requirements.txt installs this record's wheel (on its target). */
  isRuntime: (record: PackageRecord) => boolean;
}

/**
 * manifest.json: per wheel, every digest from sdist to wheel and whether requirements.txt
 * installs it, plus the run's context. In a run of several targets each wheel is listed
 * once with the targets whose builds gave exactly its bytes (`targets`); its digests are
 * those of the first such target's build, and `targets` at the top names every target.
 */
export function renderManifest(records: PackageRecord[], context: ManifestContext, contentDigest: string, requirements: ManifestRequirements, targets: readonly WheelhouseTarget[] = []): string {
  const multi = targets.length > 0;
  const wheels = distinctWheels(records);
  const targetsOf = new Map(wheels.map((w) => [w.record, w.targets]));
  const runtimeFile = new Set(records.filter(requirements.isRuntime).map((r) => r.wheel.file));
  const packages = wheels
    .map((w) => w.record)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compare(a.version, b.version) || (a.wheel.file < b.wheel.file ? -1 : a.wheel.file > b.wheel.file ? 1 : 0)))
    .map((r) => ({
      ...(multi ? { targets: targetsOf.get(r)! } : {}),
      name: r.name,
      version: r.version,
      sdist: r.sdist,
      treeDigest: r.treeDigest,
      recipeDigest: r.recipeDigest,
      builderRootfs: r.builderRootfs,
      builderImageId: r.builderImageId,
      builderImage: r.builderImage,
      systemLibraries: r.systemLibraries,
      ...(r.vendoredLibraries ? { vendoredLibraries: r.vendoredLibraries } : {}),
      requirementWheels: r.requirementWheels,
      buildEnv: r.buildEnv,
      inputDigest: r.inputDigest,
      vet: r.vet,
      log: r.log,
      wheel: r.wheel,
      runtime: runtimeFile.has(r.wheel.file),
      verdict: r.verdict,
      cached: r.cached,
      timings: r.timings,
    }));
  const targetList = multi ? { targets: targets.map((t) => ({ name: t.name, image: t.image, rootfs: t.rootfs, python: t.platform.python })) } : {};
  return `${JSON.stringify({ manifestVersion: 1, ...context, ...targetList, contentDigest, inputs: requirements.requested, packages }, null, 2)}\n`;
}
