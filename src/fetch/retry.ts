import { setTimeout as sleep } from 'node:timers/promises';
import { HbuildError, isHbuildError } from '../core/errors.js';

/**
 * The waits before a request's second and third attempt, when it failed in a way that may pass:
 * no answer (a reset or refused connection, a dropped lookup), HTTP 429 or 5xx, a body that broke
 * off. Nothing else is tried again: not a 404 or another 4xx, not bytes that hash wrong or are
 * too many, not a deadline, not a cancelled run.
 */
export const RETRY_DELAYS_MS: readonly number[] = [500, 2_000];

/** An ERR_FETCH worth another attempt. */
export function transientFetchError(message: string, options: { cause?: unknown; hint: string; status?: number }): HbuildError {
  return new HbuildError('ERR_FETCH', message, {
    ...(options.cause === undefined ? {} : { cause: options.cause }),
    hint: options.hint,
    details: { transient: true, ...(options.status === undefined ? {} : { status: options.status }) },
  });
}

/** Whether an HTTP status may pass on its own: too many requests, or the server's own failure. */
export function transientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * `attempt`, again after each of `delays` while it fails transiently (and the run is not
 * cancelled); the last failure says how many attempts were made.
 */
export async function withRetries<T>(signal: AbortSignal, attempt: () => Promise<T>, delays: readonly number[] = RETRY_DELAYS_MS): Promise<T> {
  for (let tried = 1; ; tried++) {
    try {
      return await attempt();
    } catch (err) {
      const transient = isHbuildError(err, 'ERR_FETCH') && err.details.transient === true;
      if (!transient || tried > delays.length || signal.aborted) {
        if (transient && tried > 1) {
          err.message = `${err.message} (${tried} attempts)`;
          err.details.attempts = tried;
        }
        throw err;
      }
      // A cancelled run ends the wait with the run's own reason, as a cancelled request does.
      await sleep(delays[tried - 1], undefined, { signal }).catch((cause: unknown) => {
        throw signal.aborted ? signal.reason : cause;
      });
    }
  }
}
