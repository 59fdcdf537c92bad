import { HbuildError } from '../core/errors.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** Map "cannot talk to the engine" failures to ERR_DOCKER_UNAVAILABLE; anything else passes through. */
export async function withEngine<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code !== undefined && UNREACHABLE.has(code)) {
      throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `Docker engine unreachable while trying to ${what} (${code})`, {
        hint: 'start dockerd or point DOCKER_HOST at a running engine',
        cause: err,
      });
    }
    throw err;
  }
}

/** HTTP status of a dockerode error, if the engine answered at all. */
export function engineStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
