import { compare } from '@renovatebot/pep440';
import { packageId } from '../lockfile/package-ids.js';
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
  /** The records requirements.txt installs, as `name==version` (PEP 503 name). */
  runtime: ReadonlySet<string>;
}

/** manifest.json: per package, every digest from sdist to wheel and whether requirements.txt installs it, plus the run's context. */
export function renderManifest(records: PackageRecord[], context: ManifestContext, contentDigest: string, requirements: ManifestRequirements): string {
  const packages = [...records]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compare(a.version, b.version)))
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
      buildEnv: r.buildEnv,
      inputDigest: r.inputDigest,
      vet: r.vet,
      log: r.log,
      wheel: r.wheel,
      runtime: requirements.runtime.has(packageId(r.name, r.version)),
      verdict: r.verdict,
      cached: r.cached,
      timings: r.timings,
    }));
  return `${JSON.stringify({ manifestVersion: 1, ...context, contentDigest, inputs: requirements.requested, packages }, null, 2)}\n`;
}
