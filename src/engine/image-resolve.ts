import type Dockerode from 'dockerode';
import { HbuildError } from '../core/errors.js';
import { IMAGE_LABEL, imageRepository, ROOTFS_LABEL } from './labels.js';
import { withEngine } from './call.js';
import { sameLayers, type LoadedImage } from './image-load.js';

/** What the lock says about the builder image. */
export interface BuilderPin {
  /** Recipe name, e.g. `default`. */
  image: string;
  /** `sha256:<hex>` of the rootfs tar, which Docker keeps as the image's only layer diff ID. */
  rootfs: string;
}

const ROOTFS_DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * Find a local image whose only layer is the pinned rootfs. The rootfs label narrows the
 * search; the layer list decides, since anyone can put any label on an image.
 * Returns `imageId` (use it to create containers) and `ref`, a tag for display.
 */
export async function resolveBuilderImage(docker: Dockerode, pin: BuilderPin): Promise<LoadedImage> {
  if (!ROOTFS_DIGEST.test(pin.rootfs)) {
    throw new HbuildError('ERR_LOCK_INVALID', `builder.rootfs: expected sha256:<64 hex>, got '${pin.rootfs}'`);
  }
  const repo = imageRepository(pin.image);
  const labelled = await withEngine('list images', () =>
    docker.listImages({ filters: { label: [`${ROOTFS_LABEL}=${pin.rootfs}`] } }),
  );
  const candidates = [...labelled].sort((a, b) => rank(b.RepoTags, repo) - rank(a.RepoTags, repo) || cmp(a.Id, b.Id));
  for (const candidate of candidates) {
    const info = await inspectOrSkip(docker, candidate.Id);
    if (info === undefined || !sameLayers(info.RootFS.Layers, pin.rootfs)) continue;
    const ref = (info.RepoTags ?? []).find((tag) => tag.startsWith(`${repo}:`)) ?? info.RepoTags?.[0] ?? info.Id;
    return { imageId: info.Id, ref };
  }
  const named = await withEngine('list images', () => docker.listImages({ filters: { reference: [repo] } }));
  const other = [...named].sort((a, b) => b.Created - a.Created || cmp(a.Id, b.Id))[0];
  if (other !== undefined) {
    const info = await inspectOrSkip(docker, other.Id);
    const actual = info?.RootFS.Layers ?? [];
    throw new HbuildError(
      'ERR_IMAGE_MISMATCH',
      `builder image ${repo} holds rootfs ${actual.join(', ') || '(none)'}, but the lock pins ${pin.rootfs}`,
      {
        hint:
          `run: hbuild image build ${pin.image} (the build must reproduce the pinned rootfs); ` +
          "only if the image changed on purpose, update the lock's builder.rootfs to the new digest",
        details: { image: pin.image, pinned: pin.rootfs, actual, imageId: other.Id, tags: other.RepoTags ?? [] },
      },
    );
  }
  throw new HbuildError('ERR_IMAGE_MISSING', `no local builder image '${pin.image}' with rootfs ${pin.rootfs}`, {
    hint: `run: hbuild image build ${pin.image}`,
    details: { image: pin.image, pinned: pin.rootfs },
  });
}

async function inspectOrSkip(docker: Dockerode, id: string): Promise<Dockerode.ImageInspectInfo | undefined> {
  try {
    return await withEngine('inspect an image', () => docker.getImage(id).inspect());
  } catch (err) {
    // Removed between list and inspect.
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

function rank(tags: string[] | undefined, repo: string): number {
  return (tags ?? []).some((tag) => tag.startsWith(`${repo}:`)) ? 1 : 0;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The builder pin of a new lock: the local image built from images/<name>, whose only
 * layer is its rootfs. Several candidates with different rootfs are ambiguous and refused.
 */
export async function localBuilderPin(docker: Dockerode, image: string): Promise<BuilderPin> {
  const images = await withEngine('list images', () => docker.listImages({ filters: { label: [`${IMAGE_LABEL}=${image}`] } }));
  const layers = new Set<string>();
  for (const candidate of images) {
    const info = await inspectOrSkip(docker, candidate.Id);
    const only = info?.RootFS.Layers?.length === 1 ? info.RootFS.Layers[0] : undefined;
    if (only && ROOTFS_DIGEST.test(only)) layers.add(only);
  }
  if (layers.size === 0) throw new HbuildError('ERR_IMAGE_MISSING', `no local builder image '${image}'`, { hint: `run: hbuild image build ${image}` });
  if (layers.size > 1) {
    throw new HbuildError('ERR_USAGE', `several local builder images '${image}' with different rootfs: ${[...layers].sort().join(', ')}`, {
      hint: 'pass --builder-rootfs sha256:… to choose one',
    });
  }
  return { image, rootfs: [...layers][0]! };
}
