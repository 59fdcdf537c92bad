import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, destination as pinoDestination, type Logger } from 'pino';

/** Structured logs go to a file in the store, one per run; the terminal gets rendered events instead. */
export function createRunLogger(storeRoot: string): { log: Logger; path: string; flush: () => void } {
  const dir = join(storeRoot, 'runs');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}.ndjson`);
  const destination = pinoDestination({ dest: path, sync: false, mkdir: true });
  const log = pino({ base: { pid: process.pid }, level: process.env.HBUILD_LOG_LEVEL ?? 'info' }, destination);
  return { log, path, flush: () => destination.flushSync() };
}
