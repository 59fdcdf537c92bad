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
  // A run log that cannot be written (a full disk) is lost, said once, and never crashes the run.
  let warned = false;
  destination.on('error', (err: NodeJS.ErrnoException) => {
    if (warned) return;
    warned = true;
    process.stderr.write(`hbuild: warning: the run log ${path} cannot be written (${err.code ?? err.message}); continuing without it\n`);
  });
  // flushSync throws while the file is still opening (a command that failed at once); the logs are lost either way.
  const flush = (): void => {
    try {
      destination.flushSync();
    } catch {
      // nothing written yet
    }
  };
  return { log, path, flush };
}
