import { isAlive } from '../core/process.js';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { HbuildError } from '../core/errors.js';

/**
 * One daemon per state directory: two would interleave the journal. The pid file is created
 * exclusively; one left by a dead daemon (kill -9) is taken over.
 */
export async function acquireInstanceLock(stateDir: string): Promise<{ release: () => Promise<void> }> {
  const path = join(stateDir, 'daemon.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.sync();
      await handle.close();
      const release = async (): Promise<void> => {
        if ((await readFile(path, 'utf8').catch(() => '')).trim() === String(process.pid)) await unlink(path).catch(() => undefined);
      };
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
    const valid = Number.isInteger(pid) && pid > 0;
    // An empty, fresh pid file is a daemon between creating and writing it.
    if (!valid && Date.now() - ((await stat(path).catch(() => null))?.mtimeMs ?? 0) < 10_000) break;
    if (valid && pid !== process.pid && isAlive(pid)) {
      throw new HbuildError('ERR_USAGE', `another hbuild daemon (pid ${pid}) uses the state directory ${stateDir}`, {
        hint: `stop it first, pass another --state, or remove ${path} if no such daemon runs`,
      });
    }
    await unlink(path).catch(() => undefined);
  }
  throw new HbuildError('ERR_USAGE', `cannot take the daemon lock ${path}`, { hint: 'another daemon is starting; try again' });
}
