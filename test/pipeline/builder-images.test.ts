import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { derivedImageName } from '../../src/image/cli-entry.js';
import { createBuilderImages } from '../../src/pipeline/builder-images.js';
import { refusal } from '../helpers/errors.js';
import { HbuildError } from '../../src/core/errors.js';

const BASE = { image: 'default', rootfs: `sha256:${'a'.repeat(64)}` };
const DERIVED = `sha256:${'d'.repeat(64)}`;
const PACKAGES = ['libffi-dev', 'pkg-config'];

/** Pure resolution logic: an engine that holds exactly the images it is given, by rootfs. */
function images(held: Record<string, string>) {
  const calls: string[] = [];
  const engine = {
    resolveBuilderImage: async (pin: { image: string; rootfs: string }) => {
      calls.push(`resolve ${pin.image}`);
      const id = held[pin.rootfs];
      if (id === undefined) throw new HbuildError('ERR_IMAGE_MISSING', 'missing');
      return { imageId: id, ref: pin.image };
    },
    localBuilderPin: async (image: string) => {
      calls.push(`local ${image}`);
      return { image, rootfs: DERIVED };
    },
  } as unknown as Engine;
  const resolver = createBuilderImages({ engine, base: BASE, imagesOut: '/nonexistent', sweep: Promise.resolve(), log: pino({ level: 'silent' }), signal: new AbortController().signal });
  return { resolver, calls };
}

describe('builder images of a run', () => {
  it('gives the base image to a package without Debian packages, touching no engine', async () => {
    const { resolver, calls } = images({});

    const image = await resolver.forPackage('idna', [], undefined, false);

    expect(image).toMatchObject({ name: 'default', packages: [], rootfs: BASE.rootfs, unpinned: false });
    expect(calls).toEqual([]);
  });

  it('takes a matching pin without asking the engine, and connects to that rootfs on first use', async () => {
    const { resolver, calls } = images({ [DERIVED]: 'sha256:img' });

    const image = await resolver.forPackage('cffi', PACKAGES, { packages: PACKAGES, rootfs: DERIVED }, false);
    const before = [...calls];
    const connected = await image.connect();

    expect(image).toMatchObject({ name: derivedImageName('default', PACKAGES), rootfs: DERIVED, unpinned: false });
    expect(before).toEqual([]);
    expect(connected.imageId).toBe('sha256:img');
  });

  it('refuses a pin for another package set than the recipe names', async () => {
    const { resolver } = images({});

    const err = await refusal(resolver.forPackage('cffi', ['libffi-dev'], { packages: PACKAGES, rootfs: DERIVED }, true));
    const gone = await refusal(resolver.forPackage('cffi', [], { packages: PACKAGES, rootfs: DERIVED }, true));

    expect(err.code).toBe('ERR_LOCK_INVALID');
    expect(err.message).toBe('cffi: its recipe asks for Debian packages libffi-dev, but the lock pins a builder image for libffi-dev, pkg-config');
    expect(gone.message).toBe('cffi: its recipe asks for no Debian packages, but the lock pins a builder image for libffi-dev, pkg-config');
  });

  it('refuses an unpinned derived image unless the run records pins, then takes the local one', async () => {
    const { resolver } = images({ [DERIVED]: 'sha256:img' });

    const err = await refusal(resolver.forPackage('cffi', PACKAGES, undefined, false));
    const recorded = await resolver.forPackage('cffi', PACKAGES, undefined, true);

    expect(err.code).toBe('ERR_LOCK_INVALID');
    expect(err.message).toBe('cffi: its recipe asks for Debian packages libffi-dev, pkg-config, and the lock pins no builder image for them');
    expect(err.hint).toBe('run: hbuild lock (or build once with --record) to pin the derived builder image');
    expect(recorded).toMatchObject({ rootfs: DERIVED, unpinned: true, packages: PACKAGES });
  });
});
