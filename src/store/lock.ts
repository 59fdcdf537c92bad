import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { hostKey, isAlive } from '../core/process.js';

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

/**
 * An exclusive lock on one build across processes sharing a store: a lock file
 * created with O_EXCL. A lock whose owner died on this host is taken over; a
 * live owner is waited for, so the same build never runs twice at once.
 */
export async function acquireFileLock(dir: string, name: string, signal: AbortSignal, pollMs = 250): Promise<() => Promise<void>> {
  const path = join(dir, `${name}.lock`);
  const me: LockOwner = { pid: process.pid, host: hostKey(), since: new Date().toISOString() };
  for (;;) {
    signal.throwIfAborted();
    try {
      const handle = await open(path, 'wx', 0o644);
      await handle.writeFile(JSON.stringify(me));
      await handle.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await readOwner(path);
    if (owner === 'gone') continue;
    if (owner === null || (owner.host === me.host && !isAlive(owner.pid))) {
      await rm(path, { force: true });
      continue;
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

async function readOwner(path: string): Promise<LockOwner | null | 'gone'> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
    return typeof parsed.pid === 'number' && typeof parsed.host === 'string' ? (parsed as LockOwner) : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    // A lock file being written right now reads as empty: give its writer a moment.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return 'gone';
  }
}
