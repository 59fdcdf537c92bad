import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixtureLock, writeFixtureSdist, type FixtureSdist } from '../test/fixtures/pkg.js';
import { makeSdistEntries, writeTarGz } from '../test/fixtures/tar.js';

/** A deterministic pseudo-random generator, so every run benchmarks the same graph. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

export interface GraphLock {
  lockPath: string;
  sdists: Array<FixtureSdist & { buildRequires: string[] }>;
}

/**
 * A lock of `count` fixture packages shaped like real ones: a few backends with
 * no build requirements, and packages that need one to three earlier ones
 * (so the graph has depth and width, as build backends and plugins do).
 */
export async function writeGraphLock(dir: string, count: number, rootfs: string, options: { hook?: (i: number) => string | undefined } = {}): Promise<GraphLock> {
  await mkdir(dir, { recursive: true });
  const random = rng(42);
  const sdists: GraphLock['sdists'] = [];
  const backends = Math.max(2, Math.round(count / 10));
  for (let i = 0; i < count; i++) {
    const name = `bench-pkg-${String(i).padStart(4, '0')}`;
    const requires: string[] = [];
    if (i >= backends) {
      const n = 1 + Math.floor(random() * 3);
      for (let k = 0; k < n; k++) {
        const dep = sdists[Math.floor(random() * Math.min(i, backends + i / 2))];
        if (dep && !requires.includes(dep.name)) requires.push(dep.name);
      }
    }
    const hook = options.hook?.(i);
    const sdist = await writeFixtureSdist(dir, { name, version: '1.0', requires, ...(hook ? { hook } : {}) });
    sdists.push({ ...sdist, buildRequires: requires.sort() });
  }
  const lockPath = join(dir, 'lock.yaml');
  // Fixture wheels declare no runtime dependencies, so the direct build requirements are the whole wheel set.
  await writeFile(lockPath, fixtureLock(rootfs, sdists));
  return { lockPath, sdists };
}

/** The shipped example's setuptools pin: a real backend, fetched from the configured index and built from source first. */
export const SETUPTOOLS = {
  name: 'setuptools',
  version: '75.8.0',
  file: 'setuptools-75.8.0.tar.gz',
  sha256: 'c5afc8f407c626b8313a86e10311dd3f661c6cd9c09d4bf8c15c0e11f9f2b0e6',
  uploadTime: '2025-01-08T18:28:23.980930Z',
  wheel: { file: 'setuptools-75.8.0-py3-none-any.whl', sha256: '539f3414d68d655648dd8bb5af202619de8dd81184a0f973149366745c0abb5e' },
};

/**
 * A lock of `count` tiny packages on a real backend, setuptools (the issue's own measurement was
 * "a tiny setuptools package"): each needs setuptools and nothing else, and setuptools itself is
 * in the lock, built from its sdist first. `sdists` lists the tiny packages only.
 */
export async function writeSetuptoolsLock(dir: string, count: number, rootfs: string): Promise<GraphLock> {
  await mkdir(dir, { recursive: true });
  const sdists: GraphLock['sdists'] = [];
  for (let i = 0; i < count; i++) {
    const name = `bench-st-${String(i).padStart(4, '0')}`;
    const dist = name.replace(/-/g, '_');
    const files = {
      'pyproject.toml': `[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "${name}"\nversion = "1.0"\n`,
      [`src/${dist}/__init__.py`]: `VALUE = ${i}\n`,
    };
    const file = `${dist}-1.0.tar.gz`;
    const written = await writeTarGz(join(dir, file), makeSdistEntries(dist, '1.0', files));
    sdists.push({ name, version: '1.0', file, path: written.path, sha256: written.sha256, size: written.size, buildRequires: ['setuptools'] });
  }
  const lines = ['version: 1', 'builder:', '  image: default', `  rootfs: ${rootfs}`, 'settings:', '  source-date-epoch: 1700000000', 'packages:'];
  lines.push(`  - name: ${SETUPTOOLS.name}`, `    version: "${SETUPTOOLS.version}"`, '    sdist:', `      file: ${SETUPTOOLS.file}`, `      sha256: ${SETUPTOOLS.sha256}`, `      upload-time: ${SETUPTOOLS.uploadTime}`, '    build-requires: []', '    wheel:', `      file: ${SETUPTOOLS.wheel.file}`, `      sha256: ${SETUPTOOLS.wheel.sha256}`);
  for (const s of sdists) {
    lines.push(`  - name: ${s.name}`, `    version: "${s.version}"`, '    sdist:', `      file: ${s.file}`, `      sha256: ${s.sha256}`, `      path: ${s.file}`, '    build-requires: [setuptools]');
  }
  const lockPath = join(dir, 'lock.yaml');
  await writeFile(lockPath, `${lines.join('\n')}\n`);
  return { lockPath, sdists };
}
