import { HbuildError } from '../core/errors.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE']);
/** Image listing and inspection answer in milliseconds; an engine that takes this long is not answering. */
const CALL_DEADLINE_MS = 30_000;

/**
 * One engine call with a deadline. "Cannot talk to the engine" (refused, reset, no answer
 * in time) becomes ERR_DOCKER_UNAVAILABLE; anything else passes through.
 */
export async function withEngine<T>(what: string, call: () => Promise<T>, deadlineMs = CALL_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${deadlineMs / 1000} s`), { code: 'ETIMEDOUT' })), deadlineMs);
  });
  try {
    return await Promise.race([call(), deadline]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && UNREACHABLE.has(code)) {
      throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `Docker engine unreachable while trying to ${what} (${code})`, {
        hint: 'start dockerd or point DOCKER_HOST at a running engine',
        cause: err,
      });
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** HTTP status of a dockerode error, if the engine answered at all. */
export function engineStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
