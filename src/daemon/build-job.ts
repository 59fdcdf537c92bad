import { runExitCode } from '../core/exit-codes.js';
import { buildLock } from '../pipeline/build-lock.js';
import type { JobContext, JobOutcome } from './job-runner.js';
import { checkJobPaths } from './roots.js';
import { summarize } from '../pipeline/summary.js';


/**
 * A `build` job: exactly `hbuild build`, through the same `buildLock`, with the exit code the CLI
 * would return. Paths are checked against the roots again at run time: a queued job may wait a while.
 */
export async function runBuildJob(context: JobContext): Promise<JobOutcome> {
  const { job, roots } = context;
  await checkJobPaths(job, roots);

  const result = await buildLock({
    lockPath: job.lockPath,
    outDir: job.outDir,
    storeRoot: context.storeRoot,
    jobs: job.options.jobs,
    record: job.options.record ?? false,
    failFast: job.options.failFast ?? false,
    only: job.options.only,
    ...(job.options.target === undefined ? {} : { target: job.options.target }),
    sdistDirs: [],
    engine: context.engine,
    log: context.log,
    emit: context.emit,
    signal: context.signal,
  });
  const exitCode = runExitCode(result.failures.map((f) => f.error.code), context.signal.aborted);
  return { exitCode, summary: summarize(result, job.outDir) };
}
