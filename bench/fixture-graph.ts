import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixtureLock, writeFixtureSdist, type FixtureSdist } from '../test/fixtures/pkg.js';

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
