import type { PackageRecord } from './package-record.js';

export interface ManifestContext {
  hbuildVersion: string;
  lock: { path: string; sha256: string };
  builder: { image: string; rootfs: string; imageId: string };
  sourceDateEpoch: number;
}

/** manifest.json: per package, every digest from sdist to wheel, plus the run's context. */
export function renderManifest(records: PackageRecord[], context: ManifestContext, contentDigest: string): string {
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
      requirementWheels: r.requirementWheels,
      inputDigest: r.inputDigest,
      vet: r.vet,
      log: r.log,
      wheel: r.wheel,
      verdict: r.verdict,
      cached: r.cached,
      timings: r.timings,
    }));
  return `${JSON.stringify({ manifestVersion: 1, ...context, contentDigest, packages }, null, 2)}\n`;
}
