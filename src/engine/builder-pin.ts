import type Docker from 'dockerode';
import { HbuildError } from '../core/errors.js';
import { IMAGE_LABEL } from '../image/archive.js';
import type { Builder } from '../lockfile/schema.js';

/**
 * The builder pin of a new lock: the local image built from images/<name>, whose only
 * layer is its rootfs. Several candidates with different rootfs are ambiguous and refused.
 */
export async function localBuilderPin(docker: Docker, image: string): Promise<Builder> {
  const images = await docker.listImages({ filters: { label: [`${IMAGE_LABEL}=${image}`] } });
  const layers = new Set<string>();
  for (const candidate of images) {
    const info = await docker.getImage(candidate.Id).inspect();
    const only = info.RootFS.Layers?.length === 1 ? info.RootFS.Layers[0] : undefined;
    if (only && /^sha256:[0-9a-f]{64}$/.test(only)) layers.add(only);
  }
  if (layers.size === 0) throw new HbuildError('ERR_IMAGE_MISSING', `no local builder image '${image}'`, { hint: `run: hbuild image build ${image}` });
  if (layers.size > 1) {
    throw new HbuildError('ERR_USAGE', `several local builder images '${image}' with different rootfs: ${[...layers].sort().join(', ')}`, {
      hint: 'pass --builder-rootfs sha256:… to choose one',
    });
  }
  return { image, rootfs: [...layers][0]! };
}
