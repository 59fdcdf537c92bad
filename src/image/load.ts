import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { HbuildError } from '../core/errors.js';
import { sha256File } from '../core/digest.js';
import type { Engine, LoadedImage } from '../engine/index.js';
import { packImageArchive, planImageArchive, rootfsHex } from './archive.js';
import type { ImageLog } from './mmdebstrap.js';
import type { ImageRecipe } from './schema.js';

export interface RootfsImage {
  name: string;
  recipe: ImageRecipe;
  rootfsPath: string;
  rootfsDigest: string;
  log: ImageLog;
  signal?: AbortSignal;
}

/** Where a kept rootfs tar lives: named by its own digest, so the name is checkable. */
export function rootfsTarPath(outDir: string, rootfsDigest: string): string {
  return join(outDir, `rootfs-${rootfsHex(rootfsDigest)}.tar`);
}

/** Load a rootfs tar as a one-layer image with fixed metadata, so the image ID is identical for identical inputs. */
export async function loadRootfsImage(engine: Engine, opts: RootfsImage): Promise<LoadedImage> {
  const plan = planImageArchive(opts.recipe, opts.name, opts.rootfsDigest);
  const archive = packImageArchive(plan, opts.rootfsPath, opts.recipe['source-date-epoch']);
  return engine.loadImage(archive, { imageId: plan.imageId, rootfsDigest: opts.rootfsDigest, tag: plan.tag }, { log: opts.log, ...(opts.signal ? { signal: opts.signal } : {}) });
}

/**
 * Make sure the image for a kept rootfs tar is in Docker, re-loading it from the tar if it
 * vanished. The tar is re-hashed before it is trusted; its file name is only a hint.
 */
export async function ensureImageLoaded(engine: Engine, opts: RootfsImage): Promise<LoadedImage> {
  const plan = planImageArchive(opts.recipe, opts.name, opts.rootfsDigest);
  if (await engine.hasImage({ imageId: plan.imageId, rootfsDigest: opts.rootfsDigest })) return { imageId: plan.imageId, ref: plan.tag };
  try {
    await access(opts.rootfsPath);
  } catch {
    throw new HbuildError('ERR_IMAGE_MISSING', `builder image '${opts.name}' is not in Docker and ${opts.rootfsPath} is gone`, {
      hint: `run: hbuild image build ${opts.name}`,
      details: { rootfs: opts.rootfsDigest, rootfsPath: opts.rootfsPath },
    });
  }
  const actual = `sha256:${await sha256File(opts.rootfsPath)}`;
  if (actual !== opts.rootfsDigest) {
    throw new HbuildError('ERR_IMAGE_MISMATCH', `${opts.rootfsPath} holds rootfs ${actual}, pinned ${opts.rootfsDigest}`, {
      hint: `delete the file and run: hbuild image build ${opts.name}`,
      details: { pinned: opts.rootfsDigest, actual, rootfsPath: opts.rootfsPath },
    });
  }
  opts.log.info({ image: plan.tag, rootfsPath: opts.rootfsPath }, 're-loading builder image from kept rootfs');
  return loadRootfsImage(engine, opts);
}
