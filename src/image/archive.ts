import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pack, type Header, type Pack } from 'tar-stream';
import { HbuildError } from '../core/errors.js';
import { canonicalJson, sha256 } from '../core/digest.js';
import { IMAGE_LABEL, imageRepository, ROOTFS_LABEL } from '../engine/index.js';
import type { ImageRecipe } from './schema.js';

const ROOTFS_DIGEST = /^sha256:([0-9a-f]{64})$/;
const ARCHITECTURES: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
};

/** Everything `docker load` needs besides the rootfs bytes; identical inputs give an identical image ID. */
export interface ImageArchivePlan {
  tag: string;
  /** `sha256:<hex>` of the config bytes: the image ID Docker will report. */
  imageId: string;
  configName: string;
  configBytes: Buffer;
  layerName: string;
  manifestBytes: Buffer;
}

export function rootfsHex(rootfsDigest: string): string {
  const match = ROOTFS_DIGEST.exec(rootfsDigest);
  if (match === null) throw new Error(`not a rootfs digest: ${rootfsDigest}`);
  return match[1] as string;
}

export function imageTag(name: string, rootfsDigest: string): string {
  return `${imageRepository(name)}:${rootfsHex(rootfsDigest).slice(0, 12)}`;
}

export function dockerArchitecture(nodeArch: string = process.arch): string {
  const arch = ARCHITECTURES[nodeArch];
  if (arch === undefined) {
    throw new HbuildError('ERR_IMAGE_BUILD', `no Docker architecture for Node's '${nodeArch}'`);
  }
  return arch;
}

/** The OCI/Docker image config: one layer, fixed creation time, non-root user, no history. */
export function imageConfig(recipe: ImageRecipe, name: string, rootfsDigest: string, arch: string): Record<string, unknown> {
  rootfsHex(rootfsDigest);
  return {
    architecture: arch,
    os: 'linux',
    created: new Date(recipe['source-date-epoch'] * 1000).toISOString(),
    config: {
      User: `${recipe.user.uid}:${recipe.user.gid}`,
      WorkingDir: '/build',
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C.UTF-8'],
      Labels: { [IMAGE_LABEL]: name, [ROOTFS_LABEL]: rootfsDigest },
    },
    rootfs: { type: 'layers', diff_ids: [rootfsDigest] },
    history: [],
  };
}

export function planImageArchive(
  recipe: ImageRecipe,
  name: string,
  rootfsDigest: string,
  arch: string = dockerArchitecture(),
): ImageArchivePlan {
  const configBytes = Buffer.from(canonicalJson(imageConfig(recipe, name, rootfsDigest, arch)));
  const configHex = sha256(configBytes);
  const configName = `${configHex}.json`;
  const layerName = `${rootfsHex(rootfsDigest)}/layer.tar`;
  const tag = imageTag(name, rootfsDigest);
  const manifest = [{ Config: configName, RepoTags: [tag], Layers: [layerName] }];
  return {
    tag,
    imageId: `sha256:${configHex}`,
    configName,
    configBytes,
    layerName,
    manifestBytes: Buffer.from(canonicalJson(manifest)),
  };
}

/**
 * A `docker load` archive streamed from the rootfs tar without buffering it.
 * `done` settles when every entry is written; the caller consumes `stream` and must
 * abort its consumer when `done` rejects.
 */
export function packImageArchive(
  plan: ImageArchivePlan,
  rootfsPath: string,
  mtimeEpoch: number,
): { stream: Readable; done: Promise<void> } {
  const tar = pack();
  const fixed = { mtime: new Date(mtimeEpoch * 1000), uid: 0, gid: 0, uname: '', gname: '' };
  const add = (header: Partial<Header> & { name: string }, data?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      tar.entry({ ...fixed, ...header }, data ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
  const done = (async () => {
    const { size } = await stat(rootfsPath);
    const layerDir = plan.layerName.slice(0, plan.layerName.indexOf('/') + 1);
    await add({ name: layerDir, type: 'directory', mode: 0o755 });
    await new Promise<void>((resolve, reject) => {
      const entry = tar.entry({ ...fixed, name: plan.layerName, mode: 0o644, size }, (err) =>
        err ? reject(err) : resolve(),
      );
      copyInto(createReadStream(rootfsPath), entry).catch((err: unknown) => {
        entry.destroy(err as Error);
        reject(err as Error);
      });
    });
    await add({ name: plan.configName, mode: 0o644 }, plan.configBytes);
    await add({ name: 'manifest.json', mode: 0o644 }, plan.manifestBytes);
    tar.finalize();
  })();
  done.catch((err: unknown) => tar.destroy(err as Error));
  const stream = Readable.from(tar);
  // Failures are reported through `done`; the consumer only sees the stream end early.
  stream.on('error', () => undefined);
  return { stream, done };
}

type Sink = ReturnType<Pack['entry']>;

/** Copy with backpressure into a tar entry; a sink that closes early fails the copy instead of hanging it. */
async function copyInto(source: AsyncIterable<Buffer>, sink: Sink): Promise<void> {
  for await (const chunk of source) {
    if (sink.write(chunk)) continue;
    await new Promise<void>((resolve, reject) => {
      const onClose = (): void => reject(new Error('tar entry closed before the layer was written'));
      sink.once('close', onClose);
      sink.once('drain', () => {
        sink.off('close', onClose);
        resolve();
      });
    });
  }
  sink.end(undefined);
}
