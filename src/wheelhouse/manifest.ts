import { normalizeName } from '../core/pep503.js';
import type { PackageRecord } from './package-record.js';

export interface ManifestContext {
  hbuildVersion: string;
  lock: { path: string; sha256: string };
  builder: { image: string; rootfs: string; imageId: string };
  sourceDateEpoch: number;
}

/** Which wheels requirements.txt installs, and what the lock asked for (null: a lock without `inputs`, so everything). */
export interface ManifestRequirements {
  requested: string[] | null;
  /** PEP 503 keys. */
  runtime: ReadonlySet<string>;
}

/** manifest.json: per package, every digest from sdist to wheel and whether requirements.txt installs it, plus the run's context. */
export function renderManifest(records: PackageRecord[], context: ManifestContext, contentDigest: string, requirements: ManifestRequirements): string {
  const packages = [...records]
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map((r) => ({
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
      runtime: requirements.runtime.has(normalizeName(r.name)),
      verdict: r.verdict,
      cached: r.cached,
      timings: r.timings,
    }));
  return `${JSON.stringify({ manifestVersion: 1, ...context, contentDigest, inputs: requirements.requested, packages }, null, 2)}\n`;
}
