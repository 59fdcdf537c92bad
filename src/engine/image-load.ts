import type Dockerode from 'dockerode';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { HbuildError } from '../core/errors.js';
import { engineStatus, withEngine } from './call.js';

export interface LoadedImage {
  imageId: string;
  ref: string;
}

/** What a `docker load` archive must turn into: its config digest is the image ID, its one layer the rootfs. */
export interface ExpectedImage {
  imageId: string;
  rootfsDigest: string;
  tag: string;
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
 * Load an image archive. `done` settles when whoever writes the stream has written all
 * of it (its failure aborts the load). Docker checks the layer against the config's
 * diff_ids; the resulting ID and layer list are verified against `expect` after.
 */
export async function loadImageArchive(
  docker: Dockerode,
  archive: { stream: Readable; done: Promise<unknown> },
  expect: ExpectedImage,
  opts: { log: Pick<Logger, 'info' | 'debug'>; signal?: AbortSignal },
): Promise<LoadedImage> {
  const packFailed = new AbortController();
  let packError: unknown;
  archive.done.catch((err: unknown) => {
    packError = err;
    packFailed.abort();
  });
  const abortSignal = opts.signal === undefined ? packFailed.signal : AbortSignal.any([opts.signal, packFailed.signal]);
  const started = Date.now();
  try {
    const response = await withEngine('load an image', () => docker.loadImage(archive.stream, { abortSignal }), 30 * 60_000);
    const messages = await drainEngineMessages(response);
    await archive.done;
    opts.log.debug({ messages }, 'docker load output');
  } catch (err) {
    archive.stream.destroy();
    if (opts.signal?.aborted === true) throw new HbuildError('ERR_CANCELLED', 'image load cancelled', { cause: err });
    if (err instanceof HbuildError && packError === undefined) throw err;
    const cause = packError ?? err;
    throw new HbuildError('ERR_IMAGE_BUILD', `could not load ${expect.tag} into Docker: ${String((cause as Error).message)}`, { cause });
  }
  const info = await withEngine('inspect an image', () => docker.getImage(expect.imageId).inspect());
  const layers = info.RootFS.Layers;
  if (info.Id !== expect.imageId || !sameLayers(layers, expect.rootfsDigest)) {
    throw new HbuildError('ERR_IMAGE_BUILD', `loaded image ${info.Id} does not hold rootfs ${expect.rootfsDigest}`, {
      details: { expectedId: expect.imageId, actualId: info.Id, layers },
    });
  }
  opts.log.info({ image: expect.tag, imageId: expect.imageId, seconds: (Date.now() - started) / 1000 }, 'builder image loaded');
  return { imageId: expect.imageId, ref: expect.tag };
}

/** Whether the engine has exactly this image: this ID, and the rootfs as its only layer. */
export async function hasImage(docker: Dockerode, expect: Pick<ExpectedImage, 'imageId' | 'rootfsDigest'>): Promise<boolean> {
  const existing = await withEngine('inspect an image', () => docker.getImage(expect.imageId).inspect()).catch((err: unknown) => {
    if (engineStatus(err) === 404) return undefined;
    throw err;
  });
  return existing !== undefined && sameLayers(existing.RootFS.Layers, expect.rootfsDigest);
}

export function sameLayers(layers: string[] | undefined, rootfsDigest: string): boolean {
  return layers !== undefined && layers.length === 1 && layers[0] === rootfsDigest;
}
