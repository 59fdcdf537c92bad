import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from '../core/digest.js';
import type { Engine } from '../engine/index.js';
import { loadRootfsImage, rootfsTarPath } from './load.js';
import { debianMirror } from './mirror.js';
import { runMmdebstrap, type ImageLog } from './mmdebstrap.js';
import { readImageRecipe } from './recipe.js';
import { libraryMapFromRootfs, writeLibraryMap, type StoredLibraryMap } from './dpkg-libraries.js';
import type { ImageRecipe } from './schema.js';
import { createReadStream } from 'node:fs';

export interface BuildImageOptions {
  engine: Engine;
  /** Recipe name: `images/<name>/image.yaml`; with `recipe`, only the image's name. */
  name: string;
  /** The recipe itself (a derived image's); default: read from `imagesDir`. */
  recipe?: ImageRecipe;
  imagesDir: string;
  /** Where the rootfs tar is kept (`rootfs-<hex>.tar`) so a later load needs no rebuild. */
  outDir: string;
  /** Debian mirror URI; default: the first matching entry of the host's apt sources. */
  mirror?: string;
  /** Where mmdebstrap stages the chroot; default `outDir`, which must then have room for it. */
  tmpDir?: string;
  log: ImageLog;
  signal?: AbortSignal;
}

export interface BuiltImage {
  /** `sha256:<hex>` of the rootfs tar; what the lock pins as `builder.rootfs`. */
  rootfsDigest: string;
  rootfsPath: string;
  /** `sha256:<hex>` of the image config; identical for identical rootfs and recipe. */
  imageId: string;
  ref: string;
  /** Shared objects → Debian package and version, from the rootfs's dpkg database; kept beside the tar. */
  libraries: StoredLibraryMap;
  seconds: { mmdebstrap: number; hash: number; load: number };
}

/** Build a builder image's rootfs with mmdebstrap, keep the tar, and load it into Docker. */
export async function buildImage(opts: BuildImageOptions): Promise<BuiltImage> {
  const recipe = opts.recipe ?? (await readImageRecipe(opts.imagesDir, opts.name));
  const mirror = opts.mirror ?? (await debianMirror({ suite: recipe.suite }));
  await mkdir(opts.outDir, { recursive: true });
  const tmpDir = opts.tmpDir ?? opts.outDir;
  const partial = join(opts.outDir, `.tmp-rootfs-${process.pid}-${randomBytes(6).toString('hex')}.tar`);
  opts.log.info({ image: opts.name, suite: recipe.suite, mirror }, 'building builder image rootfs');
  const timer = stopwatch();
  try {
    await runMmdebstrap(recipe, { mirror, output: partial, tmpDir, log: opts.log, signal: opts.signal });
    const mmdebstrap = timer();
    const rootfsDigest = `sha256:${await sha256File(partial)}`;
    const rootfsPath = rootfsTarPath(opts.outDir, rootfsDigest);
    const libraries = await writeLibraryMap(opts.outDir, await libraryMapFromRootfs(createReadStream(partial), rootfsDigest));
    await rename(partial, rootfsPath);
    const hash = timer();
    opts.log.info({ image: opts.name, rootfsDigest, rootfsPath, seconds: mmdebstrap }, 'builder image rootfs built');
    const { name, log, signal } = opts;
    const loaded = await loadRootfsImage(opts.engine, { name, recipe, rootfsPath, rootfsDigest, log, signal });
    return { rootfsDigest, rootfsPath, ...loaded, libraries, seconds: { mmdebstrap, hash, load: timer() } };
  } finally {
    await rm(partial, { force: true });
  }
}

/** Seconds since the previous call (or creation), to three decimals. */
function stopwatch(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const seconds = Math.round(now - last) / 1000;
    last = now;
    return seconds;
  };
}
