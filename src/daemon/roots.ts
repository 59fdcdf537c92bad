import { lstat, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { HbuildError } from '../core/errors.js';
import { readLock, type LoadedLock } from '../lockfile/read.js';

export type PathCheck = { ok: true; path: string } | { ok: false; reason: 'outside' | 'missing' | 'not-a-file'; message: string };

/** Resolve the configured roots once: each must be an existing directory; symlinks are followed here and only here. */
export async function resolveRoots(dirs: readonly string[]): Promise<string[]> {
  const roots: string[] = [];
  for (const dir of dirs) {
    const real = await realpath(resolve(dir)).catch(() => null);
    if (!real || !(await stat(real)).isDirectory()) {
      throw new HbuildError('ERR_USAGE', `root ${dir} is not an existing directory`, { hint: 'pass --roots DIR,... with directories that exist' });
    }
    roots.push(real);
  }
  return roots;
}

/** Lexically inside (or equal to) `root`; both absolute and normalised. */
export function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function within(roots: readonly string[], path: string): boolean {
  return roots.some((root) => isWithin(root, path));
}

/**
 * A lock file a client names must be a regular file whose real path lies under a root.
 * A path outside every root is refused before the file system is asked anything about it.
 */
export async function checkLockPath(path: string, roots: readonly string[]): Promise<PathCheck> {
  const lexical = resolve(path);
  if (!within(roots, lexical)) return outside(path);
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return { ok: false, reason: 'missing', message: `lock file ${path} does not exist` };
  }
  if (!within(roots, real)) return outside(path);
  if (!(await stat(real)).isFile()) return { ok: false, reason: 'not-a-file', message: `lock file ${path} is not a regular file` };
  return { ok: true, path: real };
}

/**
 * A wheelhouse directory a client names: under a root but not a root itself (publishing swaps the
 * directory), its nearest existing ancestor really under a root, and not itself a symlink.
 */
export async function checkOutDir(path: string, roots: readonly string[]): Promise<PathCheck> {
  const lexical = resolve(path);
  if (!within(roots, lexical) || roots.includes(lexical)) return outside(path, 'wheelhouse directory');
  let ancestor = dirname(lexical);
  const rest = [basename(lexical)];
  for (;;) {
    const real = await realpath(ancestor).catch(() => null);
    if (real) {
      const target = join(real, ...rest);
      if (!within(roots, target) || roots.includes(target)) return outside(path, 'wheelhouse directory');
      const info = await lstat(target).catch(() => null);
      if (info && !info.isDirectory()) return { ok: false, reason: 'not-a-file', message: `wheelhouse ${path} exists and is not a directory` };
      return { ok: true, path: target };
    }
    rest.unshift(basename(ancestor));
    ancestor = dirname(ancestor);
  }
}

/**
 * A lock may name local sdist copies (`sdist.path`, relative to the lock, `..` allowed). Through the
 * daemon that would let a client make it read any file it can, so every such copy that exists must
 * really lie under a root. A missing copy is harmless: the store or the index is asked instead.
 */
export async function checkSdistPaths(loaded: LoadedLock, roots: readonly string[]): Promise<void> {
  for (const pkg of loaded.lock.packages) {
    if (pkg.sdist.path === undefined) continue;
    const real = await realpath(resolve(loaded.dir, pkg.sdist.path)).catch(() => null);
    if (real !== null && !within(roots, real)) {
      throw new HbuildError('ERR_USAGE', `sdist path ${pkg.sdist.path} of ${pkg.name} ${pkg.version} lies outside the daemon's roots`, {
        hint: 'keep local sdists under a directory passed to `hbuild daemon --roots`, or drop sdist.path and let the store or index serve it',
        details: { package: pkg.name, path: pkg.sdist.path },
      });
    }
  }
}

function outside(path: string, what = 'lock file'): PathCheck {
  return { ok: false, reason: 'outside', message: `${what} ${path} is outside the daemon's roots` };
}

/**
 * Every path a queued job names, checked again when it starts (it may have waited a while):
 * the lock (unless it was sent as content), the wheelhouse when one is named, and every
 * local sdist the lock refers to must really lie under the roots.
 */
export async function checkJobPaths(job: { source: string; lockPath: string; options: { out?: string } }, roots: readonly string[]): Promise<void> {
  if (job.source !== 'content') {
    const lock = await checkLockPath(job.lockPath, roots);
    if (!lock.ok) throw new HbuildError('ERR_USAGE', lock.message, { hint: "lock files must stay under the daemon's --roots" });
  }
  if (job.options.out !== undefined) {
    const out = await checkOutDir(job.options.out, roots);
    if (!out.ok) throw new HbuildError('ERR_USAGE', out.message, { hint: "wheelhouse directories must stay under the daemon's --roots" });
  }
  await checkSdistPaths(await readLock(job.lockPath), roots);
}
