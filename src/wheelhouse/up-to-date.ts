import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { PackageRecord } from './package-record.js';
import { digestJson, sha256File } from '../core/digest.js';
import type { ManifestContext } from './manifest.js';

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** A digest of everything that decides a wheelhouse's content; timings and cache flags are left out. */
export function contentDigest(records: PackageRecord[], context: ManifestContext, extra: Record<string, unknown>): string {
  const packages = records.map((r) => ({
    name: r.name,
    version: r.version,
    sdist: r.sdist.sha256,
    treeDigest: r.treeDigest,
    recipeDigest: r.recipeDigest,
    builderRootfs: r.builderRootfs,
    builderImage: r.builderImage,
    systemLibraries: r.systemLibraries,
    ...(r.vendoredLibraries ? { vendoredLibraries: r.vendoredLibraries } : {}),
    requirementWheels: r.requirementWheels,
    buildEnv: r.buildEnv.sha256,
    inputDigest: r.inputDigest,
    vet: r.vet,
    wheel: r.wheel,
    verdict: r.verdict,
  }));
  return digestJson({ context, extra, packages: packages.sort((a, b) => (a.name < b.name ? -1 : 1)) });
}

/**
 * Whether `outDir` already is this wheelhouse: its manifest names the same content
 * digest and every wheel in it still hashes to its pin. A no-op run then leaves it
 * alone instead of rewriting it; anything missing or altered means a fresh publish.
 */
export async function upToDate(outDir: string, digest: string, records: PackageRecord[]): Promise<boolean> {
  try {
    const manifestPath = join(outDir, 'manifest.json');
    if ((await stat(manifestPath)).size > MAX_MANIFEST_BYTES) return false;
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { contentDigest?: unknown };
    if (manifest.contentDigest !== digest) return false;
    await stat(join(outDir, 'sbom.cdx.json'));
    await stat(join(outDir, 'attestations'));
    const hashes = await Promise.all(records.map((r) => sha256File(join(outDir, r.wheel.file))));
    return hashes.every((h, i) => h === records[i]?.wheel.sha256);
  } catch {
    return false;
  }
}
