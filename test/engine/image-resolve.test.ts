import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { resolveBuilderImage } from '../../src/engine/image-resolve.js';

interface FakeImage {
  Id: string;
  RepoTags: string[];
  Labels: Record<string, string>;
  Layers: string[];
}

const PINNED = `sha256:${'a'.repeat(64)}`;
const OTHER = `sha256:${'b'.repeat(64)}`;

/** Just enough of the Engine API: label and repository filters, inspect by ID. */
function fakeDocker(images: FakeImage[]): Dockerode {
  const fake = {
    listImages: async (opts: { filters: { label?: string[]; reference?: string[] } }) =>
      images
        .filter((img) => (opts.filters.label ?? []).every((l) => `${l.split('=')[0]}=${img.Labels[l.split('=')[0] ?? '']}` === l))
        .filter((img) => (opts.filters.reference ?? []).every((r) => img.RepoTags.some((t) => t.startsWith(`${r}:`))))
        .map((img) => ({ Id: img.Id, RepoTags: img.RepoTags, Created: 1 })),
    getImage: (id: string) => ({
      inspect: async () => {
        const img = images.find((i) => i.Id === id);
        if (img === undefined) throw Object.assign(new Error('no such image'), { statusCode: 404 });
        return { Id: img.Id, RepoTags: img.RepoTags, RootFS: { Type: 'layers', Layers: img.Layers } };
      },
    }),
  };
  return fake as unknown as Dockerode;
}

function image(id: string, layers: string[], labelled: string, tags: string[]): FakeImage {
  return { Id: `sha256:${id.repeat(64)}`, RepoTags: tags, Labels: { 'org.hbuild.rootfs': labelled }, Layers: layers };
}

describe('resolveBuilderImage', () => {
  it('finds the image whose only layer is the pinned rootfs', async () => {
    const docker = fakeDocker([
      image('1', [OTHER], OTHER, ['hbuild-builder/default:bbbbbbbbbbbb']),
      image('2', [PINNED], PINNED, ['hbuild-builder/default:aaaaaaaaaaaa']),
    ]);

    const found = await resolveBuilderImage(docker, { image: 'default', rootfs: PINNED });

    expect(found).toEqual({ imageId: `sha256:${'2'.repeat(64)}`, ref: 'hbuild-builder/default:aaaaaaaaaaaa' });
  });

  it('does not trust a rootfs label the layers contradict', async () => {
    const docker = fakeDocker([image('3', [OTHER], PINNED, ['someone/else:latest'])]);

    const result = resolveBuilderImage(docker, { image: 'default', rootfs: PINNED });

    await expect(result).rejects.toMatchObject({ code: 'ERR_IMAGE_MISSING', hint: 'run: hbuild image build default' });
  });

  it('reports a mismatch, naming both digests, when the named image holds another rootfs', async () => {
    const docker = fakeDocker([image('4', [OTHER], PINNED, ['hbuild-builder/default:aaaaaaaaaaaa'])]);

    const result = resolveBuilderImage(docker, { image: 'default', rootfs: PINNED });

    await expect(result).rejects.toMatchObject({
      code: 'ERR_IMAGE_MISMATCH',
      message: expect.stringMatching(new RegExp(`${OTHER}.*${PINNED}`)),
      hint: expect.stringContaining('builder.rootfs'),
      details: { pinned: PINNED, actual: [OTHER] },
    });
  });

  it('rejects a malformed pin before asking the engine', async () => {
    const docker = fakeDocker([]);

    const result = resolveBuilderImage(docker, { image: 'default', rootfs: 'sha256:short' });

    await expect(result).rejects.toMatchObject({ code: 'ERR_LOCK_INVALID' });
  });

  it('maps an unreachable engine to ERR_DOCKER_UNAVAILABLE', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
    const docker = { listImages: async () => Promise.reject(refused) } as unknown as Dockerode;

    const result = resolveBuilderImage(docker, { image: 'default', rootfs: PINNED });

    await expect(result).rejects.toMatchObject({ code: 'ERR_DOCKER_UNAVAILABLE' });
  });
});
