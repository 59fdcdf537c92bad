import type { Logger } from 'pino';
import type { Engine } from '../engine/index.js';
import { EXIT, exitCodeFor } from '../core/exit-codes.js';
import { diskFullError, isHbuildError } from '../core/errors.js';
import type { HbuildEvent } from '../core/events.js';
import type { Job, JobError, JobKind } from './schema.js';

/** Everything a job runner gets: the job, the daemon's shared resources, and a signal that cancels it. */
export interface JobContext {
  job: Job;
  roots: readonly string[];
  storeRoot: string;
  engine: Engine;
  log: Logger;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
}

export interface JobOutcome {
  /** The exit code the in-process CLI would return for the same run. */
  exitCode: number;
  summary?: Job['summary'];
  error?: JobError;
}

/** Runs one job to its end. Expected failures are outcomes; a thrown HbuildError becomes one too. */
export type JobRunner = (context: JobContext) => Promise<JobOutcome>;

export interface JobKinds {
  registerJobKind(kind: JobKind, runner: JobRunner): void;
  runnerFor(kind: JobKind): JobRunner | undefined;
}

/** Run a job with its kind's runner; whatever happens becomes an outcome. */
export async function runJob(kinds: JobKinds, context: JobContext): Promise<JobOutcome> {
  const runner = kinds.runnerFor(context.job.kind);
  if (!runner) return { exitCode: EXIT.usage, error: { code: 'ERR_USAGE', message: `this daemon cannot run ${context.job.kind} jobs yet` } };
  try {
    return await runner(context);
  } catch (err) {
    return outcomeFromError(err, context.signal, context.log);
  }
}

/** The outcome of a runner that threw, mapped as the CLI's error reporter maps it. */
export function outcomeFromError(thrown: unknown, signal: AbortSignal, log: Logger): JobOutcome {
  const err = diskFullError(thrown) ?? thrown;
  if (isHbuildError(err)) {
    const exitCode = signal.aborted ? EXIT.cancelled : exitCodeFor(err.code);
    return { exitCode, error: { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
  }
  if (signal.aborted) return { exitCode: EXIT.cancelled, error: { code: 'ERR_CANCELLED', message: 'cancelled' } };
  log.error({ err }, 'job failed with an unexpected error');
  return { exitCode: EXIT.buildFailed, error: { code: 'ERR_INTERNAL', message: `internal error: ${err instanceof Error ? err.message : String(err)}` } };
}

/** The text report a job's record keeps; the whole result stays where the run wrote it. */
const MAX_REPORT_CHARS = 64 * 1024;

/** A job's text report, cut to what a job record keeps, with where to find the rest. */
export function jobReport(report: string, rest: string): string {
  return report.length > MAX_REPORT_CHARS ? `${report.slice(0, MAX_REPORT_CHARS)}\n… (${rest})\n` : report;
}
