/** Every failure hbuild expects carries one of these codes; only cli/ maps them to exit codes. */
export type ErrorCode =
  | 'ERR_USAGE'
  | 'ERR_LOCK_INVALID'
  | 'ERR_RECIPE_INVALID'
  | 'ERR_HASH_MISMATCH'
  | 'ERR_WHEEL_MISMATCH'
  | 'ERR_WHEEL_UNPINNED'
  | 'ERR_WHEEL_INVALID'
  | 'ERR_ARCHIVE_UNSAFE'
  | 'ERR_STORE_CORRUPT'
  | 'ERR_FETCH'
  | 'ERR_BUILD_FAILED'
  | 'ERR_BUILD_TIMEOUT'
  | 'ERR_BUILD_OUTPUT'
  | 'ERR_DEPENDENCY_FAILED'
  | 'ERR_VET_BLOCKED'
  | 'ERR_DOCKER_UNAVAILABLE'
  | 'ERR_IMAGE_MISSING'
  | 'ERR_IMAGE_MISMATCH'
  | 'ERR_IMAGE_BUILD'
  | 'ERR_ATTESTATION_INVALID'
  | 'ERR_SIGNING_KEY'
  | 'ERR_PUBLISH_CONFLICT'
  | 'ERR_UPLOAD_REFUSED'
  | 'ERR_CREDENTIALS'
  | 'ERR_DISK_FULL'
  | 'ERR_CANCELLED'
  | 'ERR_INTERNAL';

export interface HbuildErrorOptions {
  /** What the user should do next. */
  hint?: string;
  cause?: unknown;
  /** Structured details for logs and --json output. */
  details?: Record<string, unknown>;
}

export class HbuildError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: HbuildErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HbuildError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }
}

export function isHbuildError(err: unknown, code?: ErrorCode): err is HbuildError {
  return err instanceof HbuildError && (code === undefined || err.code === code);
}

/** errno codes that mean the disk (or the user's quota on it) has no room left. */
const DISK_FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * A full disk as the error it is: the path, what to do, no stack trace. Anything else is
 * returned as it came.
 */
export function diskFullError(err: unknown, where?: string): HbuildError | undefined {
  if (isHbuildError(err)) return err.code === 'ERR_DISK_FULL' ? err : undefined;
  const errno = err as NodeJS.ErrnoException | undefined;
  if (!errno || typeof errno.code !== 'string' || !DISK_FULL.has(errno.code)) return undefined;
  const path = typeof errno.path === 'string' ? errno.path : (where ?? 'a file hbuild was writing');
  return new HbuildError('ERR_DISK_FULL', `the disk is full: no space left for ${path}`, {
    hint: 'free space on that disk (`hbuild store gc` removes what no lock needs), or point --store / --out at a disk with room; the store and the previous wheelhouse were left as they were',
    cause: err,
    details: { path, errno: errno.code },
  });
}
