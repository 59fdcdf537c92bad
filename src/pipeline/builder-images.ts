import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { HbuildError, isHbuildError } from '../core/errors.js';
import type { Engine } from '../engine/index.js';
import { defaultStoreRoot } from '../store/store.js';
import { buildImage } from '../image/build.js';
import { mkdir } from 'node:fs/promises';
import { derivedImageName, derivedRecipe, ensureImageLoaded, libraryMapFromSavedImage, readImageRecipe, readLibraryMap, rootfsTarPath, writeLibraryMap, type StoredLibraryMap } from '../image/cli-entry.js';

/** The lock's pin of a package's derived builder image. */
export interface BuilderImagePin {
  packages: string[];
  rootfs: string;
}

/** The builder image one package builds in: the base, or the one derived for its recipe's Debian packages. */
export interface BuilderImage {
  name: string;
  /** Extra Debian packages; empty for the base image. */
  packages: string[];
  rootfs: string;
  /** The pin to write into the lock (`hbuild lock`, `--record`), when the lock has none yet. */
  unpinned: boolean;
  /** The engine and the image on it, loaded (or built) on first use and checked against `rootfs`. */
  connect(): Promise<{ engine: Engine; imageId: string }>;
  /** Shared object → Debian package map of this image (null when neither it nor its rootfs tar is kept). */
  libraries(): Promise<StoredLibraryMap | null>;
}

export interface BuilderImagesOptions {
  engine: Engine;
  base: { image: string; rootfs: string };
  /** Where image recipes live; default: the `images/` hbuild ships. */
  imagesDir?: string;
  /** Where rootfs tars and library maps are kept (`hbuild image build --out`). */
  imagesOut: string;
  /** Debian mirror for on-demand builds; default: the host's apt sources. */
  mirror?: string;
  /** Resolves once crashed runs' leftovers are removed. */
  sweep: Promise<unknown>;
  log: Logger;
  /** Told when an image is built on demand, which takes minutes. */
  announce?: (message: string) => void;
  signal: AbortSignal;
}

export interface BuilderImages {
  /**
   * The image for one package. `packages` (sorted, deduplicated) come from its recipe,
   * `pin` from the lock, and must name the same set; without a pin the image is found or
   * built now and reported `unpinned`, which only `allowUnpinned` (hbuild lock, --record) accepts.
   */
  forPackage(pkg: string, packages: readonly string[], pin: BuilderImagePin | undefined, allowUnpinned: boolean): Promise<BuilderImage>;
}

export const SHIPPED_IMAGES_DIR = fileURLToPath(new URL('../../images', import.meta.url));

/** One resolver per run: every recipe asking for the same package set shares one image, built at most once. */
export function createBuilderImages(options: BuilderImagesOptions): BuilderImages {
  const imagesDir = options.imagesDir ?? SHIPPED_IMAGES_DIR;
  const connections = new Map<string, Promise<{ engine: Engine; imageId: string }>>();
  const maps = new Map<string, Promise<StoredLibraryMap | null>>();
  const unpinned = new Map<string, Promise<{ rootfs: string; imageId: string }>>();
  const libraries = (rootfs: string): Promise<StoredLibraryMap | null> => {
    let map = maps.get(rootfs);
    if (!map) maps.set(rootfs, (map = findLibraryMap(options.imagesOut, rootfs).then((kept) => kept ?? mapFromDocker(rootfs))));
    return map;
  };
  const memo = (key: string, make: () => Promise<{ engine: Engine; imageId: string }>): Promise<{ engine: Engine; imageId: string }> => {
    let found = connections.get(key);
    if (!found) {
      found = make();
      connections.set(key, found);
      found.catch(() => connections.delete(key));
    }
    return found;
  };
  /** No kept map or tar: read the dpkg database out of the image in Docker, and keep the map. */
  const mapFromDocker = async (rootfs: string): Promise<StoredLibraryMap | null> => {
    try {
      const image = await options.engine.resolveBuilderImage({ image: options.base.image, rootfs });
      const map = await libraryMapFromSavedImage(await options.engine.saveImage(image.imageId), rootfs);
      if (map === null) return null;
      await mkdir(options.imagesOut, { recursive: true });
      return await writeLibraryMap(options.imagesOut, map);
    } catch (err) {
      options.log.warn({ rootfs, err }, 'no library map for the builder image');
      return null;
    }
  };
  const base: BuilderImage = {
    name: options.base.image,
    packages: [],
    rootfs: options.base.rootfs,
    unpinned: false,
    connect: () =>
      memo(`base ${options.base.rootfs}`, async () => {
        await options.sweep;
        const image = await options.engine.resolveBuilderImage(options.base);
        return { engine: options.engine, imageId: image.imageId };
      }),
    libraries: () => libraries(options.base.rootfs),
  };

  /** Build the derived image from the base recipe plus `packages`; mmdebstrap gives the same rootfs for the same mirror state. */
  const build = async (name: string, packages: readonly string[]): Promise<{ rootfs: string; imageId: string }> => {
    const recipe = derivedRecipe(await readImageRecipe(imagesDir, options.base.image), packages);
    options.log.info({ image: name, packages }, 'building derived builder image');
    options.announce?.(`building builder image ${name} (${options.base.image} + ${packages.join(', ')}) with mmdebstrap; this takes minutes`);
    const built = await buildImage({ engine: options.engine, name, recipe, imagesDir, outDir: options.imagesOut, mirror: options.mirror, log: options.log, signal: options.signal });
    return { rootfs: built.rootfsDigest, imageId: built.imageId };
  };

  /** The pinned derived image: in Docker, re-loaded from its kept tar, or built now; its rootfs must equal the pin. */
  const connectPinned = (pkg: string, name: string, packages: readonly string[], rootfs: string) =>
    memo(`${name} ${rootfs}`, async () => {
      await options.sweep;
      const pin = { image: name, rootfs };
      try {
        return { engine: options.engine, imageId: (await options.engine.resolveBuilderImage(pin)).imageId };
      } catch (err) {
        if (!isHbuildError(err, 'ERR_IMAGE_MISSING') && !isHbuildError(err, 'ERR_IMAGE_MISMATCH')) throw err;
      }
      const recipe = derivedRecipe(await readImageRecipe(imagesDir, options.base.image), packages);
      try {
        const loaded = await ensureImageLoaded(options.engine, { name, recipe, rootfsPath: rootfsTarPath(options.imagesOut, rootfs), rootfsDigest: rootfs, log: options.log, signal: options.signal });
        return { engine: options.engine, imageId: loaded.imageId };
      } catch (err) {
        if (!isHbuildError(err, 'ERR_IMAGE_MISSING')) throw err;
      }
      const built = await build(name, packages);
      if (built.rootfs !== rootfs) {
        throw new HbuildError('ERR_IMAGE_MISMATCH', `${pkg}: the builder image derived for Debian packages ${packages.join(', ')} has rootfs ${built.rootfs}, but the lock pins ${rootfs}`, {
          hint: "the Debian mirror's state differs from when the lock was written; build against that mirror state (--mirror), or, if the change is wanted, run: hbuild lock (it re-pins the image)",
          details: { package: pkg, image: name, packages, pinned: rootfs, actual: built.rootfs },
        });
      }
      return { engine: options.engine, imageId: built.imageId };
    });

  /** An unpinned derived image: the one local image of that name, else built now. */
  const findUnpinned = (name: string, packages: readonly string[]): Promise<{ rootfs: string; imageId: string }> => {
    let found = unpinned.get(name);
    if (!found) {
      found = (async () => {
        await options.sweep;
        try {
          const pin = await options.engine.localBuilderPin(name);
          return { rootfs: pin.rootfs, imageId: (await options.engine.resolveBuilderImage(pin)).imageId };
        } catch (err) {
          if (!isHbuildError(err, 'ERR_IMAGE_MISSING')) throw err;
        }
        return build(name, packages);
      })();
      unpinned.set(name, found);
    }
    return found;
  };

  return {
    async forPackage(pkg, packages, pin, allowUnpinned) {
      if (packages.length === 0 && pin === undefined) return base;
      const name = derivedImageName(options.base.image, packages);
      if (pin !== undefined && pin.packages.join(' ') !== packages.join(' ')) throw stalePin(pkg, packages, pin);
      if (pin !== undefined) {
        return { name, packages: [...packages], rootfs: pin.rootfs, unpinned: false, connect: () => connectPinned(pkg, name, packages, pin.rootfs), libraries: () => libraries(pin.rootfs) };
      }
      if (!allowUnpinned) {
        throw new HbuildError('ERR_LOCK_INVALID', `${pkg}: its recipe asks for Debian packages ${packages.join(', ')}, and the lock pins no builder image for them`, {
          hint: 'run: hbuild lock (or build once with --record) to pin the derived builder image',
          details: { package: pkg, packages },
        });
      }
      const found = await findUnpinned(name, packages);
      connections.set(`${name} ${found.rootfs}`, Promise.resolve({ engine: options.engine, imageId: found.imageId }));
      return { name, packages: [...packages], rootfs: found.rootfs, unpinned: true, connect: () => connectPinned(pkg, name, packages, found.rootfs), libraries: () => libraries(found.rootfs) };
    },
  };
}

function stalePin(pkg: string, packages: readonly string[], pin: BuilderImagePin): HbuildError {
  const asked = packages.length === 0 ? 'no Debian packages' : `Debian packages ${packages.join(', ')}`;
  return new HbuildError('ERR_LOCK_INVALID', `${pkg}: its recipe asks for ${asked}, but the lock pins a builder image for ${pin.packages.join(', ')}`, {
    hint: 'the recipe changed since the lock was written; run: hbuild lock',
    details: { package: pkg, packages, pinned: pin.packages },
  });
}

/** The kept library map of a rootfs: in `imagesOut`, else where `hbuild image build` keeps images by default. */
async function findLibraryMap(imagesOut: string, rootfs: string): Promise<StoredLibraryMap | null> {
  for (const dir of [...new Set([imagesOut, imagesOutFor(defaultStoreRoot())])]) {
    const found = await readLibraryMap(dir, rootfs, rootfsTarPath(dir, rootfs));
    if (found) return found;
  }
  return null;
}

/** Where `hbuild image build` keeps rootfs tars for a store: `images/` beside it. */
export function imagesOutFor(storeRoot: string): string {
  return join(storeRoot, '..', 'images');
}
