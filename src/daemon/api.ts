import { HBUILD_VERSION } from '../core/version.js';
import type { Engine } from '../engine/index.js';
import type { Follower } from './event-log.js';
import { ApiError } from './http/http-errors.js';
import type { JobQueue } from './job-queue.js';
import type { Metrics } from './metrics.js';
import { renderEngineMetrics } from './engine-metrics.js';
import type { ResolvedSchedule, Scheduler } from './schedules.js';
import type { Job, SubmitRequest } from './schema.js';
import { prepareJob, type SubmitContext } from './submit.js';

/** What the HTTP layer asks of the daemon; every refusal is an ApiError. */
export interface DaemonApi {
  submit(request: SubmitRequest): Promise<Job>;
  listJobs(): Job[];
  getJob(id: string): Job;
  cancelJob(id: string): Promise<Job>;
  followEvents(id: string, follower: Follower): Promise<() => void>;
  health(): Record<string, unknown>;
  metrics(): string;
  schedules(): Array<Record<string, unknown>>;
}

/** Queued jobs beyond this are refused: a client cannot make the daemon's memory and journal grow without bound. */
export const MAX_QUEUED_JOBS = 1000;
const MAX_LISTED_JOBS = 1000;

export interface ApiDeps extends SubmitContext {
  queue: JobQueue;
  metrics: Metrics;
  schedules: readonly ResolvedSchedule[];
  scheduler: () => Scheduler | undefined;
  startedAt: Date;
  /** Read for the per-engine metrics of a pool. */
  engine?: Pick<Engine, 'stats'>;
}

export function createDaemonApi(deps: ApiDeps): DaemonApi {
  const { queue } = deps;
  const known = (id: string): Job => {
    const job = queue.get(id);
    if (!job) throw new ApiError(404, 'ERR_NOT_FOUND', `no job ${id}`);
    return job;
  };
  return {
    async submit(request) {
      if (queue.draining) throw new ApiError(503, 'ERR_SHUTTING_DOWN', 'the daemon is shutting down and takes no new jobs');
      if (queue.counts().queued >= MAX_QUEUED_JOBS) {
        throw new ApiError(503, 'ERR_QUEUE_FULL', `${MAX_QUEUED_JOBS} jobs are already queued; try again later`, { 'retry-after': '60' });
      }
      const job = await prepareJob(request, deps);
      await queue.add(job);
      return job;
    },
    listJobs: () => queue.list().slice(0, MAX_LISTED_JOBS),
    getJob: known,
    async cancelJob(id) {
      const job = known(id);
      if (job.finishedAt !== undefined) throw new ApiError(409, 'ERR_CONFLICT', `job ${id} has already finished (${job.state})`);
      return queue.cancel(id);
    },
    async followEvents(id, follower) {
      known(id);
      return (await queue.follow(id, follower)) ?? (() => undefined);
    },
    health: () => ({
      status: queue.draining ? 'stopping' : 'ok',
      version: HBUILD_VERSION,
      pid: process.pid,
      startedAt: deps.startedAt.toISOString(),
      jobs: queue.counts(),
    }),
    metrics: () => deps.metrics.render(queue.counts()) + renderEngineMetrics(deps.engine?.stats?.() ?? []),
    schedules: () => {
      const jobs = queue.list();
      return deps.schedules.map((s) => {
        const own = jobs.filter((j) => j.schedule === s.name);
        const finished = own.find((j) => j.finishedAt !== undefined);
        return {
          name: s.name,
          kind: s.kind,
          lock: s.lockPath,
          cron: s.cron,
          timezone: s.timezone ?? 'UTC',
          nextRun: deps.scheduler()?.nextRunOf(s.name)?.toISOString() ?? null,
          latest: own[0] ? brief(own[0]) : null,
          lastResult: finished ? brief(finished) : null,
        };
      });
    },
  };
}

function brief(job: Job): Record<string, unknown> {
  return {
    id: job.id,
    state: job.state,
    submittedAt: job.submittedAt,
    finishedAt: job.finishedAt ?? null,
    exitCode: job.exitCode ?? null,
    ...(job.error ? { error: job.error } : {}),
    ...(job.summary ? { summary: job.summary } : {}),
  };
}
