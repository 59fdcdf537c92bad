import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** After this many bytes read from one container's attach stream, the read buffers are collected. */
export const SCAVENGE_EVERY_BYTES = 8 * 1024 * 1024;

let scavenge: (() => void) | null | undefined;

/**
 * Ask V8 for a minor collection, which frees the socket's dead read buffers. A build that
 * floods its log sends gigabytes through the attach socket in 64 KiB reads; each read is a new
 * buffer outside the JS heap, and V8 frees them only when it collects the young generation,
 * which a mostly idle heap seldom needs: tens of MiB of dead buffers piled up before it did
 * (`bench/log-flood.ts`: 144–150 MiB peak with a 2 GiB flood, 150 MB the target). The collector
 * is reached through a context made with `--expose-gc` (only that context sees `gc`); where the
 * engine refuses, nothing is done.
 */
export function collectReadBuffers(): void {
  if (scavenge === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as ((options?: { type: 'minor' | 'major' }) => void) | undefined;
      scavenge = typeof gc === 'function' ? () => gc({ type: 'minor' }) : null;
    } catch {
      scavenge = null;
    }
  }
  scavenge?.();
}
