import type { EngineAddress } from '../build/docker.js';
import type { StageContext } from '../context.js';
import type { VerifyResult } from './types.js';
import { verifyLock } from './verify-lock.js';
import type { VariationName } from './variations.js';

/** A verification as the daemon queues it (e.g. nightly); everything but the lock is optional. */
export interface VerifyJob {
  lockPath: string;
  variations?: VariationName[] | string;
  only?: string[];
  jobs?: number;
  reportDir?: string;
}

/** What the daemon knows once, for every job. */
export interface VerifyRunnerDefaults {
  storeRoot: string;
  docker: EngineAddress;
  sdistDirs?: string[];
  indexUrl?: string;
  jobs?: number;
}

/**
 * The daemon's runner for verification jobs, shaped like the build runner:
 * `runner(job, { log, emit, signal })` resolves to the run's result (its
 * `outcome` says reproducible or not; its `historyPath` is the record in the
 * store). Rejects only for what stops the whole run (lock invalid, Docker or
 * builder image unavailable, cancelled).
 */
export function verifyJobRunner(defaults: VerifyRunnerDefaults): (job: VerifyJob, context: StageContext) => Promise<VerifyResult> {
  return (job, context) =>
    verifyLock({
      lockPath: job.lockPath,
      storeRoot: defaults.storeRoot,
      docker: defaults.docker,
      sdistDirs: defaults.sdistDirs ?? [],
      ...(defaults.indexUrl === undefined ? {} : { indexUrl: defaults.indexUrl }),
      ...((job.jobs ?? defaults.jobs) === undefined ? {} : { jobs: job.jobs ?? defaults.jobs }),
      ...(job.only === undefined ? {} : { only: job.only }),
      ...(job.variations === undefined ? {} : { variations: job.variations }),
      ...(job.reportDir === undefined ? {} : { reportDir: job.reportDir }),
      log: context.log,
      emit: context.emit,
      signal: context.signal,
    });
}
