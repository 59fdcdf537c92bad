import { HbuildError } from '../core/errors.js';

/** One engine call (create, start, inspect, kill, remove, archive metadata) may take this long. */
export const CALL_DEADLINE_MS = 30_000;
/** Streaming the build inputs in, and the output out: large sdists and wheels. */
export const TRANSFER_DEADLINE_MS = 10 * 60_000;
/** After a kill, the wait and each removal attempt are bounded too: Ctrl-C must end the run. */
export const SETTLE_DEADLINE_MS = 2_000;

/** `promise`, or a rejection after `ms`. */
export function bounded<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** An engine call with a deadline; an engine that does not answer, or cannot be reached, is ERR_DOCKER_UNAVAILABLE naming it. */
export async function withDeadline<T>(address: string, what: string, ms: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await bounded(fn(), ms);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const unreachable = code !== undefined && ['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code);
    if (!unreachable && !(err instanceof Error && err.message.startsWith('no answer within'))) throw err;
    throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `the Docker engine at ${address} did not answer while trying to ${what} (${(err as Error).message})`, {
      hint: 'check that dockerd is running; when it answers again, the next hbuild command removes what this build left',
      cause: err,
      details: { engine: address },
    });
  }
}

