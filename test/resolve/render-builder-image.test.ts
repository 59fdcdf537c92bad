import { describe, expect, it } from 'vitest';
import { parseLock } from '../../src/lockfile/read.js';
import { renderLock } from '../../src/resolve/output/render-lock.js';
import { sameEntry } from '../../src/resolve/output/update-text.js';
import type { LockedPackage } from '../../src/resolve/types.js';

const ROOTFS = `sha256:${'f'.repeat(64)}`;
const DERIVED = `sha256:${'e'.repeat(64)}`;
const CFFI: LockedPackage = {
  name: 'cffi',
  version: '2.1.1',
  sdist: { file: 'cffi-2.1.1.tar.gz', sha256: '1'.repeat(64), size: 10 },
  buildRequires: [],
  builderImage: { packages: ['libffi-dev', 'pkg-config'], rootfs: DERIVED },
};

describe('a derived builder image in the lock', () => {
  it('renders as builder-image and reads back through the validator', () => {
    const text = renderLock({ source: 'requirements.txt', builder: { image: 'default', rootfs: ROOTFS }, inputs: [], packages: [CFFI] });

    const { lock } = parseLock(text, '/x/lock.yaml');

    expect(text).toContain(`    builder-image:\n      debian-packages: [libffi-dev, pkg-config]\n      rootfs: ${DERIVED}\n`);
    expect(lock.packages[0]?.['builder-image']).toEqual({ 'debian-packages': ['libffi-dev', 'pkg-config'], rootfs: DERIVED });
  });

  it('is part of what makes an entry unchanged', () => {
    const { lock } = parseLock(renderLock({ source: 'r', builder: { image: 'default', rootfs: ROOTFS }, inputs: [], packages: [CFFI] }), '/x/lock.yaml');
    const old = lock.packages[0]!;

    expect(sameEntry(old, CFFI)).toBe(true);
    expect(sameEntry(old, { ...CFFI, builderImage: { packages: ['libffi-dev'], rootfs: DERIVED } })).toBe(false);
    expect(sameEntry(old, { ...CFFI, builderImage: undefined })).toBe(false);
  });

  it('refuses unsorted or malformed Debian package names in the lock', () => {
    const text = renderLock({ source: 'r', builder: { image: 'default', rootfs: ROOTFS }, inputs: [], packages: [{ ...CFFI, builderImage: { packages: ['pkg-config', 'libffi-dev'], rootfs: DERIVED } }] });

    expect(() => parseLock(text, '/x/lock.yaml')).toThrow(/builder-image\.debian-packages: expected sorted names without duplicates/);
  });
});
