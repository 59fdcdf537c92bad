import type { Logger } from 'pino';
import { HbuildError } from '../core/errors.js';
import type { BuilderPin, Engine, LoadedImage } from '../engine/index.js';
import { planImageArchive } from '../image/archive.js';
import { ensureImageLoaded, rootfsTarPath } from '../image/load.js';
import { readImageRecipe } from '../image/recipe.js';

/** Where the deterministic builder-image archive is made from: the recipes and the kept rootfs tars (`hbuild image build --out`). */
export interface ArchiveSource {
  imagesDir: string;
  rootfsDir: string;
}

/** The builder image every engine of a pool must hold for one pin, and how to load it into one that does not. */
export interface PoolImage {
  imageId: string;
  tag: string;
  /** Make sure `engine` holds exactly this image (loading the archive, verifying its digest); what is wrong otherwise. */
  provide(engine: Engine, log: Logger): Promise<LoadedImage>;
}

/**
 * The image for `pin`: with its recipe at hand, the ID the deterministic archive gives (and
 * the archive is loaded where it is missing); without, the ID `reference` holds, which the
 * other engines must hold too.
 */
export async function poolImage(pin: BuilderPin, source: ArchiveSource | undefined, reference: () => Promise<LoadedImage>): Promise<PoolImage> {
  const recipe = source === undefined ? undefined : await readImageRecipe(source.imagesDir, pin.image).catch(() => undefined);
  if (source !== undefined && recipe !== undefined) {
    const plan = planImageArchive(recipe, pin.image, pin.rootfs);
    const rootfsPath = rootfsTarPath(source.rootfsDir, pin.rootfs);
    return {
      imageId: plan.imageId,
      tag: plan.tag,
      provide: (engine, log) => ensureImageLoaded(engine, { name: pin.image, recipe, rootfsPath, rootfsDigest: pin.rootfs, log }),
    };
  }
  const known = await reference();
  return {
    imageId: known.imageId,
    tag: known.ref,
    provide: async (engine) => {
      const held = await engine.resolveBuilderImage(pin);
      if (held.imageId === known.imageId) return held;
      throw new HbuildError('ERR_IMAGE_MISMATCH', `holds builder image ${held.imageId}, the pool builds with ${known.imageId}`, {
        hint: 'give the pool the image recipes and kept rootfs tars (--images, --image-archives) so every engine gets the same archive loaded',
      });
    },
  };
}
