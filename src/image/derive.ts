import { canonicalJson, sha256 } from '../core/digest.js';
import type { ImageRecipe } from './schema.js';

/**
 * The name of the builder image derived from `base` with `packages` added: one per
 * package set, so every recipe asking for the same set shares one image. `packages`
 * must be sorted and deduplicated.
 */
export function derivedImageName(base: string, packages: readonly string[]): string {
  return `${base}-deb-${sha256(canonicalJson({ base, packages })).slice(0, 12)}`;
}

/** The base recipe with the extra packages appended (those it lacks, sorted): a fixed order gives a fixed rootfs. */
export function derivedRecipe(base: ImageRecipe, packages: readonly string[]): ImageRecipe {
  const have = new Set(base.packages);
  const extra = [...new Set(packages)].filter((p) => !have.has(p)).sort();
  return { ...base, packages: [...base.packages, ...extra] };
}
