import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttestProblem } from './problem.js';

const MAX_ENTRIES = 20_000;

/**
 * The `*.whl` files at the top of a wheelhouse, sorted. Anything named `.whl`
 * that is not a plain regular file (a symlink, a directory, a FIFO) is a defect:
 * it could point the hash check at one file and the installer at another.
 */
export async function listWheelFiles(dir: string): Promise<{ wheels: string[]; defects: AttestProblem[] }> {
  const names = await listDir(dir);
  const wheels: string[] = [];
  const defects: AttestProblem[] = [];
  for (const name of names.filter((n) => n.endsWith('.whl'))) {
    const info = await lstat(join(dir, name));
    if (info.isFile()) wheels.push(name);
    else defects.push({ file: name, message: 'is not a regular file' });
  }
  return { wheels, defects };
}

/** Directory entries, sorted, refusing absurd counts. */
export async function listDir(dir: string): Promise<string[]> {
  const names = await readdir(dir);
  if (names.length > MAX_ENTRIES) throw new Error(`${dir} has ${names.length} entries, more than the ${MAX_ENTRIES} allowed`);
  return names.sort();
}
