import { writeBuildReport } from './build-report.js';
import { resolve } from 'node:path';
import { callDaemon, daemonEndpoint, followJobEvents } from '../daemon/client.js';
import { JOB_ID, type Job, type JobKind } from '../daemon/schema.js';
import type { BuildSummary } from '../pipeline/summary.js';
import { HbuildError, type ErrorCode } from '../core/errors.js';
import type { HbuildEvent } from '../core/events.js';
import { exitCodeFor } from '../core/exit-codes.js';

export interface DaemonSubmitOptions {
  record?: boolean;
  only?: string[];
  /** `--target`: one target of a lock with several. */
  target?: string;
  jobs?: number;
  failFast?: boolean;
  /** Wheelhouse directory as the user typed it: sent as an absolute path (it must lie under the daemon's roots). */
  out?: string;
  /** As with `--json`: the closing report also names packages skipped because a requirement failed. */
  json?: boolean;
  /** As with `--quiet`: the closing report keeps only failures. */
  quiet?: boolean;
  /** `unix:///path` or `http://127.0.0.1:PORT`; default HBUILD_DAEMON, else the daemon's default socket. */
  daemon?: string;
  /** Bearer token for an http: daemon; default HBUILD_DAEMON_TOKEN. */
  token?: string;
  /** Where the closing report goes (default stderr, as in-process). */
  stderr?: NodeJS.WritableStream;
}

/**
 * Run a build, verify or vet through the daemon: submit the lock by path, render its events as they
 * come, and return the exit code an in-process run returns. Errors an in-process run throws (an
 * invalid lock, no Docker engine) are thrown the same, so `reportError` prints and maps them the same.
 * Aborting `signal` cancels the job and waits for the daemon to remove its containers.
 */
export async function submitViaDaemon(
  kind: JobKind,
  lockPath: string,
  options: DaemonSubmitOptions,
  render: (event: HbuildEvent) => void,
  signal: AbortSignal,
): Promise<number> {
  const endpoint = daemonEndpoint(options.daemon, options.token === undefined ? process.env : { ...process.env, HBUILD_DAEMON_TOKEN: options.token });
  const body = {
    kind,
    lock: { path: resolve(lockPath) },
    options: {
      ...(options.record !== undefined ? { record: options.record } : {}),
      ...(options.only && options.only.length > 0 ? { only: options.only } : {}),
      ...(options.target !== undefined ? { target: options.target } : {}),
      ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
      ...(options.failFast !== undefined ? { failFast: options.failFast } : {}),
      ...(options.out !== undefined ? { out: resolve(options.out) } : {}),
    },
  };
  const submitted = (await callDaemon(endpoint, 'POST', '/v1/jobs', body)) as { id?: unknown };
  if (typeof submitted.id !== 'string' || !JOB_ID.test(submitted.id)) throw new HbuildError('ERR_INTERNAL', `the daemon at ${endpoint.label} answered without a job id`);
  const id = submitted.id;
  const cancel = (): void => void callDaemon(endpoint, 'DELETE', `/v1/jobs/${id}`).catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    if (signal.aborted) cancel();
    await followJobEvents(endpoint, id, render).catch(() => undefined);
    const job = (await callDaemon(endpoint, 'GET', `/v1/jobs/${id}`).catch(() => ({ id }))) as Job;
    return finish(job, lockPath, options);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

function finish(job: Job, lockPath: string, options: DaemonSubmitOptions): number {
  const err = options.stderr ?? process.stderr;
  if (job.finishedAt === undefined || job.exitCode === undefined) {
    throw new HbuildError('ERR_CANCELLED', `the daemon stopped before job ${job.id} finished`, {
      hint: `it runs again when \`hbuild daemon\` starts; follow it with GET /v1/jobs/${job.id}/events`,
    });
  }
  if (job.summary?.kind === 'build') writeBuildReport(err, job.summary as BuildSummary, lockPath, options);
  else if (job.summary && 'report' in job.summary && job.summary.report) err.write(job.summary.report);
  if (job.error && job.state !== 'cancelled') {
    const code = (exitCodeFor(job.error.code as ErrorCode) === undefined ? 'ERR_INTERNAL' : job.error.code) as ErrorCode;
    throw new HbuildError(code, job.error.message, job.error.hint ? { hint: job.error.hint } : {});
  }
  return job.exitCode;
}
