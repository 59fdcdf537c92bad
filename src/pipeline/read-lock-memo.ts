import { dirname, resolve } from 'node:path';
import { readLockFile } from '../lockfile/read-file.js';
import { parseLock, type LoadedLock } from '../lockfile/read.js';
import { Lock } from '../lockfile/schema.js';
import type { Store } from '../store/store.js';
import { z } from 'zod';
import { digestJson } from '../core/digest.js';

/** An accepted parse: the lock (re-checked against its own schema) and its YAML line table. */
const LockMemo = z.object({ lock: z.unknown(), lines: z.array(z.tuple([z.string(), z.number().int()])) });

/** Bumped when lock validation changes, so an older accepted parse is not reused. */
const LOCK_PARSE_VERSION = 'lock-parse/1';

/**
 * Parsing and validating a large lock.yaml costs more than the rest of a cached
 * run; its result is a pure function of the text. A lock whose exact bytes were
 * accepted before is taken from the store's memo (and re-checked against the
 * schema); anything else is parsed in full, with every problem reported.
 */
export async function readLockMemo(path: string, store: Store): Promise<LoadedLock> {
  const absolute = resolve(path);
  const { text } = await readLockFile(absolute);
  const key = digestJson({ v: LOCK_PARSE_VERSION, text });
  const memo = await store.readMemo('locks', key, LockMemo);
  if (memo) {
    const lock = Lock.safeParse(memo.lock);
    if (lock.success) {
      return { path: absolute, dir: dirname(absolute), lock: lock.data, lines: new Map(memo.lines) };
    }
  }
  const loaded = parseLock(text, path);
  await store.writeMemo('locks', key, { lock: loaded.lock, lines: [...loaded.lines] });
  return loaded;
}
