import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_LOCK_BYTES } from '../lockfile/read-file.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { ApiError } from './http/http-errors.js';
import type { JobKinds } from './job-runner.js';
import { jobDir, newJobId } from './paths.js';
import { checkLockPath, checkOutDir, type PathCheck } from './roots.js';
import type { ResolvedSchedule } from './schedules.js';
import type { Job, SubmitRequest } from './schema.js';

export interface SubmitContext {
  roots: readonly string[];
  stateDir: string;
  kinds: JobKinds;
}

/**
 * Turn a validated request into a queued job, or refuse it: a kind nobody runs yet (501), a path
 * outside the roots (403), a lock that is missing or too large. Submitted lock text is kept
 * (0600, fsynced) in the job's directory before the job is journaled, so a restarted daemon has it.
 */
export async function prepareJob(request: SubmitRequest, context: SubmitContext): Promise<Job> {
  if (!context.kinds.runnerFor(request.kind)) {
    throw new ApiError(501, 'ERR_NOT_IMPLEMENTED', `this daemon cannot run ${request.kind} jobs yet`);
  }
  const id = newJobId();
  const dir = jobDir(context.stateDir, id);
  const out = request.options.out === undefined ? join(dir, 'wheelhouse') : refuseUnless(await checkOutDir(request.options.out, context.roots));
  let lockPath: string;
  let source: Job['source'];
  if ('path' in request.lock) {
    lockPath = refuseUnless(await checkLockPath(request.lock.path, context.roots));
    source = 'path';
  } else {
    if (Buffer.byteLength(request.lock.content, 'utf8') > MAX_LOCK_BYTES) {
      throw new ApiError(413, 'ERR_TOO_LARGE', `lock content is larger than ${MAX_LOCK_BYTES} bytes`);
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    lockPath = join(dir, 'lock.yaml');
    await writeFileAtomic(lockPath, request.lock.content, 0o600);
    source = 'content';
  }
  return {
    id,
    kind: request.kind,
    lockPath,
    source,
    options: request.options,
    outDir: out,
    state: 'queued',
    attempts: 0,
    submittedAt: new Date().toISOString(),
  };
}

function refuseUnless(check: PathCheck): string {
  if (check.ok) return check.path;
  if (check.reason === 'outside') throw new ApiError(403, 'ERR_FORBIDDEN_PATH', `${check.message}; this daemon serves only paths under its --roots`);
  throw new ApiError(400, 'ERR_BAD_REQUEST', check.message);
}

/** The job a schedule submits when its time comes. */
export function scheduledJob(schedule: ResolvedSchedule, stateDir: string): Job {
  const id = newJobId();
  return {
    id,
    kind: schedule.kind,
    lockPath: schedule.lockPath,
    source: 'schedule',
    schedule: schedule.name,
    options: schedule.options,
    outDir: join(jobDir(stateDir, id), 'wheelhouse'),
    state: 'queued',
    attempts: 0,
    submittedAt: new Date().toISOString(),
  };
}
