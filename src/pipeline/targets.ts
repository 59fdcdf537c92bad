import { DEFAULT_PLATFORM, platformFor, type TargetPlatform } from '../core/marker-environment.js';
import { isHbuildError } from '../core/errors.js';
import { readImageRecipe } from '../image/cli-entry.js';
import type { Lock } from '../lockfile/schema.js';
import { isMultiTarget, targetKeys, type LockTarget } from '../lockfile/targets.js';
import type { WheelhouseTarget } from '../wheelhouse/targets.js';
import { SHIPPED_IMAGES_DIR } from './builder-images.js';

/**
 * A target's platform, from its builder image's recipe (`python:` in images/<image>/image.yaml).
 * A one-target lock whose image has no recipe here keeps the default platform, as before
 * targets existed; a lock with several targets needs every recipe.
 */
export async function platformOf(image: string, imagesDir: string | undefined, required: boolean): Promise<TargetPlatform> {
  try {
    return platformFor((await readImageRecipe(imagesDir ?? SHIPPED_IMAGES_DIR, image)).python);
  } catch (err) {
    if (!required && isHbuildError(err, 'ERR_USAGE')) return DEFAULT_PLATFORM;
    throw err;
  }
}

/** The targets of a run with their platforms and the lock's packages each builds. */
export async function runTargets(lock: Lock, targets: readonly LockTarget[], imagesDir: string | undefined): Promise<WheelhouseTarget[]> {
  const multi = isMultiTarget(lock);
  const out: WheelhouseTarget[] = [];
  for (const t of targets) out.push({ ...t, platform: await platformOf(t.image, imagesDir, multi), lockKeys: targetKeys(lock, t.name) });
  return out;
}
