import type { ErrorCode } from './errors.js';
import type { RunStatus } from './events.js';

/** Exit codes, documented in the README. Only cli/ maps error codes to them. */
export const EXIT = {
  ok: 0,
  buildFailed: 1,
  usage: 2,
  integrity: 3,
  vetBlocked: 4,
  notReproducible: 5,
  docker: 6,
  diskFull: 7,
  cancelled: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const BY_CODE: Record<ErrorCode, ExitCode> = {
  ERR_USAGE: EXIT.usage,
  ERR_LOCK_INVALID: EXIT.usage,
  ERR_RECIPE_INVALID: EXIT.usage,
  ERR_HASH_MISMATCH: EXIT.integrity,
  ERR_WHEEL_MISMATCH: EXIT.integrity,
  ERR_WHEEL_UNPINNED: EXIT.integrity,
  ERR_WHEEL_INVALID: EXIT.integrity,
  ERR_STORE_CORRUPT: EXIT.integrity,
  ERR_ATTESTATION_INVALID: EXIT.integrity,
  ERR_SIGNING_KEY: EXIT.usage,
  ERR_PUBLISH_CONFLICT: EXIT.integrity,
  ERR_UPLOAD_REFUSED: EXIT.buildFailed,
  ERR_CREDENTIALS: EXIT.usage,
  ERR_ARCHIVE_UNSAFE: EXIT.vetBlocked,
  ERR_VET_BLOCKED: EXIT.vetBlocked,
  ERR_FETCH: EXIT.buildFailed,
  ERR_BUILD_FAILED: EXIT.buildFailed,
  ERR_BUILD_TIMEOUT: EXIT.buildFailed,
  ERR_BUILD_OUTPUT: EXIT.buildFailed,
  ERR_DEPENDENCY_FAILED: EXIT.buildFailed,
  ERR_DOCKER_UNAVAILABLE: EXIT.docker,
  ERR_IMAGE_MISSING: EXIT.docker,
  ERR_IMAGE_MISMATCH: EXIT.docker,
  ERR_IMAGE_BUILD: EXIT.docker,
  ERR_DISK_FULL: EXIT.diskFull,
  ERR_CANCELLED: EXIT.cancelled,
  ERR_INTERNAL: EXIT.buildFailed,
};

/** Severity when several packages fail differently: integrity outranks everything. */
const RANK: ExitCode[] = [EXIT.integrity, EXIT.vetBlocked, EXIT.diskFull, EXIT.docker, EXIT.usage, EXIT.buildFailed, EXIT.cancelled];

export function exitCodeFor(code: ErrorCode): ExitCode {
  return BY_CODE[code];
}

export function worstExitCode(codes: ErrorCode[]): ExitCode {
  const exits = codes.map(exitCodeFor);
  for (const candidate of RANK) if (exits.includes(candidate)) return candidate;
  return EXIT.ok;
}

/** A build's exit code: 130 once it was cancelled, else the worst of its packages' failures. */
export function runExitCode(codes: ErrorCode[], cancelled: boolean): ExitCode {
  return cancelled ? EXIT.cancelled : worstExitCode(codes);
}

/** The word a run's result line and end event give its exit code, so the two always agree. */
export function runStatusFor(exit: ExitCode): RunStatus {
  if (exit === EXIT.ok) return 'done';
  if (exit === EXIT.cancelled) return 'cancelled';
  if (exit === EXIT.notReproducible) return 'not-reproducible';
  return 'failed';
}
