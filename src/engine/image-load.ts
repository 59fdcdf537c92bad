import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { HbuildError } from '../core/errors.js';
import { sha256File } from '../core/digest.js';
import { packImageArchive, planImageArchive, rootfsHex } from '../image/archive.js';
import { engineStatus, withEngine } from './call.js';
import type { ImageLog } from '../image/mmdebstrap.js';
import type { ImageRecipe } from '../image/schema.js';

export interface LoadedImage {
  imageId: string;
  ref: string;
}

/** Where a kept rootfs tar lives: named by its own digest, so the name is checkable. */
export function rootfsTarPath(outDir: string, rootfsDigest: string): string {
  return join(outDir, `rootfs-${rootfsHex(rootfsDigest)}.tar`);
}

/** Read a `docker load` / JSON-message response to the end; an `error` line fails the load. */
export async function drainEngineMessages(stream: NodeJS.ReadableStream): Promise<string[]> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  const messages: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let message: { stream?: string; error?: string; errorDetail?: { message?: string } };
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      messages.push(line.trim());
      continue;
    }
    const error = message.errorDetail?.message ?? message.error;
    if (error !== undefined) {
      throw new HbuildError('ERR_IMAGE_BUILD', `docker load failed: ${error}`, { details: { messages } });
    }
    if (message.stream !== undefined) messages.push(message.stream.trim());
  }
  return messages;
}

/**
 * Load a rootfs tar as a one-layer image. Docker checks the layer against the config's
 * diff_ids, and the image ID is the digest of our config bytes; both are verified after.
 */
export async function loadRootfsImage(
  docker: Dockerode,
  opts: { name: string; recipe: ImageRecipe; rootfsPath: string; rootfsDigest: string; log: ImageLog; signal?: AbortSignal },
): Promise<LoadedImage> {
  const plan = planImageArchive(opts.recipe, opts.name, opts.rootfsDigest);
  const archive = packImageArchive(plan, opts.rootfsPath, opts.recipe['source-date-epoch']);
  const packFailed = new AbortController();
  let packError: unknown;
  archive.done.catch((err: unknown) => {
    packError = err;
    packFailed.abort();
  });
  const abortSignal = opts.signal === undefined ? packFailed.signal : AbortSignal.any([opts.signal, packFailed.signal]);
  const started = Date.now();
  try {
    const response = await withEngine('load an image', () => docker.loadImage(archive.stream, { abortSignal }));
    const messages = await drainEngineMessages(response);
    await archive.done;
    opts.log.debug({ messages }, 'docker load output');
  } catch (err) {
    archive.stream.destroy();
    if (opts.signal?.aborted === true) throw new HbuildError('ERR_CANCELLED', 'image load cancelled', { cause: err });
    if (err instanceof HbuildError && packError === undefined) throw err;
    const cause = packError ?? err;
    throw new HbuildError('ERR_IMAGE_BUILD', `could not load ${plan.tag} into Docker: ${String((cause as Error).message)}`, {
      cause,
    });
  }
  const info = await withEngine('inspect an image', () => docker.getImage(plan.imageId).inspect());
  const layers = info.RootFS.Layers;
  if (info.Id !== plan.imageId || !sameLayers(layers, opts.rootfsDigest)) {
    throw new HbuildError('ERR_IMAGE_BUILD', `loaded image ${info.Id} does not hold rootfs ${opts.rootfsDigest}`, {
      details: { expectedId: plan.imageId, actualId: info.Id, layers },
    });
  }
  opts.log.info({ image: plan.tag, imageId: plan.imageId, seconds: (Date.now() - started) / 1000 }, 'builder image loaded');
  return { imageId: plan.imageId, ref: plan.tag };
}

/**
 * Make sure the image for a kept rootfs tar is in Docker, re-loading it from the tar if it
 * vanished. The tar is re-hashed before it is trusted; its file name is only a hint.
 */
export async function ensureImageLoaded(
  docker: Dockerode,
  opts: { name: string; recipe: ImageRecipe; rootfsPath: string; rootfsDigest: string; log: ImageLog; signal?: AbortSignal },
): Promise<LoadedImage> {
  const plan = planImageArchive(opts.recipe, opts.name, opts.rootfsDigest);
  const existing = await withEngine('inspect an image', () => docker.getImage(plan.imageId).inspect()).catch((err: unknown) => {
    if (engineStatus(err) === 404) return undefined;
    throw err;
  });
  if (existing !== undefined && sameLayers(existing.RootFS.Layers, opts.rootfsDigest)) {
    return { imageId: plan.imageId, ref: plan.tag };
  }
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
  return loadRootfsImage(docker, opts);
}

export function sameLayers(layers: string[] | undefined, rootfsDigest: string): boolean {
  return layers !== undefined && layers.length === 1 && layers[0] === rootfsDigest;
}
