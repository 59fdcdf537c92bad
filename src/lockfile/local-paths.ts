import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { normalizeName } from '../core/pep503.js';
import { packageId } from './package-ids.js';
import { lockInvalid, type Problem } from './lock-problems.js';
import type { LoadedLock } from './read.js';

/**
 * Every `sdist.path` must lie inside the lock's folder or one of the `--sdist-dir`
 * folders, by name and, where it exists, after following symlinks. Checked before any
 * file is opened, so a lock cannot make hbuild read (or print the digest of) a file
 * elsewhere on the host. All offenders are refused at once, with their lines.
 */
export async function checkLocalPaths(loaded: LoadedLock, sdistDirs: readonly string[] = []): Promise<void> {
  const allowed = [loaded.dir, ...sdistDirs.map((d) => resolve(d))];
  const real = await Promise.all(allowed.map((d) => realpath(d).catch(() => d)));
  const problems: Problem[] = [];
  for (const [i, pkg] of loaded.lock.packages.entries()) {
    const given = pkg.sdist.path;
    if (given === undefined) continue;
    const path = resolve(loaded.dir, given);
    const target = await realpath(path).catch(() => null);
    const inside = allowed.some((d) => within(path, d)) && (target === null || real.some((d) => within(target, d)));
    if (inside) continue;
    problems.push({
      path: `packages[${i}].sdist.path`,
      line: loaded.lines.get(packageId(pkg.name, pkg.version)) ?? loaded.lines.get(normalizeName(pkg.name)) ?? 1,
      message: `${JSON.stringify(given)} ${target !== null && target !== path ? 'leads (through a symlink) ' : 'is '}outside the lock's folder${sdistDirs.length > 0 ? ' and every --sdist-dir' : ''}; local sdists must be beside or below the lock, or in a folder passed with --sdist-dir`,
    });
  }
  if (problems.length > 0) throw lockInvalid(loaded.path, problems);
}

function within(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
