import type { Logger } from 'pino';
import { EXIT } from '../core/exit-codes.js';
import type { HbuildEvent } from '../core/events.js';
import type { Follower } from './event-log.js';
import { createJobLogs, type JobLogs } from './job-logs.js';
import { runJob, type JobContext, type JobKinds, type JobOutcome } from './job-runner.js';
import type { Journal } from './journal.js';
import type { Metrics } from './metrics.js';
import type { Job } from './schema.js';

export interface JobQueueDeps {
  stateDir: string;
  journal: Journal;
  kinds: JobKinds;
  metrics: Metrics;
  log: Logger;
  /** Jobs run at once. */
  concurrency: number;
  shared: Pick<JobContext, 'roots' | 'storeRoot' | 'engine'>;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
  stop?: 'cancel' | 'shutdown';
}

/** Finished jobs kept in memory; the journal keeps more until the next start compacts it. */
const KEEP_IN_MEMORY = 2000;

/**
 * The daemon's jobs: every state change is journaled (and fsynced) before it is acted on,
 * so a daemon killed at any point restarts into a state it can finish.
 */
export class JobQueue {
  readonly #deps: JobQueueDeps;
  readonly #jobs = new Map<string, Job>();
  readonly #logs: JobLogs;
  readonly #waiting: string[] = [];
  readonly #running = new Map<string, Running>();
  #started = false;
  #draining = false;

  constructor(deps: JobQueueDeps) {
    this.#deps = deps;
    this.#logs = createJobLogs(deps.stateDir);
  }

  /** Take over the jobs the journal holds; queued ones wait in submission order. */
  async restore(jobs: Job[], requeued: readonly string[]): Promise<void> {
    for (const job of [...jobs].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      this.#jobs.set(job.id, job);
      if (job.state !== 'queued') continue;
      const events = await this.#logs.open(job.id);
      if (requeued.includes(job.id)) events.append({ type: 'log', level: 'warn', message: 'the daemon stopped during this job; it runs again' });
      this.#waiting.push(job.id);
    }
  }

  start(): void {
    this.#started = true;
    this.#pump();
  }

  get draining(): boolean {
    return this.#draining;
  }

  async add(job: Job): Promise<void> {
    await this.#deps.journal.append({ op: 'job', job });
    this.#jobs.set(job.id, job);
    await this.#logs.open(job.id);
    this.#waiting.push(job.id);
    this.#pump();
  }

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  /** Newest first. */
  list(): Job[] {
    return [...this.#jobs.values()].sort((a, b) => (a.id < b.id ? 1 : -1));
  }

  counts(): { queued: number; running: number } {
    return { queued: this.#waiting.length, running: this.#running.size };
  }

  /** Cancel a queued job at once, or a running one through its signal (its containers are removed on the way out). */
  async cancel(id: string): Promise<Job> {
    const running = this.#running.get(id);
    if (running) {
      running.stop ??= 'cancel';
      running.controller.abort(new Error('cancelled through the API'));
      return this.#jobs.get(id)!;
    }
    const at = this.#waiting.indexOf(id);
    if (at >= 0) {
      this.#waiting.splice(at, 1);
      await this.#finish(id, { exitCode: EXIT.cancelled, error: { code: 'ERR_CANCELLED', message: 'cancelled before it started' } }, 'cancelled');
    }
    return this.#jobs.get(id)!;
  }

  /** Past events of a job, then live ones until it ends. Undefined for an unknown job. */
  async follow(id: string, follower: Follower): Promise<(() => void) | undefined> {
    return this.#jobs.has(id) ? this.#logs.follow(id, follower) : undefined;
  }

  /**
   * Stop: no job starts any more; running jobs get `graceMs` to finish, then are aborted and
   * journaled as queued again, so the next daemon resumes them (finished packages are store hits).
   */
  async drain(graceMs: number): Promise<void> {
    this.#draining = true;
    const all = (): Promise<unknown> => Promise.all([...this.#running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all(), new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    for (const running of this.#running.values()) {
      running.stop ??= 'shutdown';
      running.controller.abort(new Error('the daemon is shutting down'));
    }
    await all();
    await this.#logs.closeAll();
  }

  #pump(): void {
    while (this.#started && !this.#draining && this.#running.size < this.#deps.concurrency && this.#waiting.length > 0) {
      const id = this.#waiting.shift()!;
      const controller = new AbortController();
      const running: Running = { controller, done: Promise.resolve() };
      this.#running.set(id, running);
      running.done = this.#run(id, running).then(
        () => {
          this.#running.delete(id);
          this.#pump();
        },
        (err: unknown) => crash(this.#deps.log, id, err),
      );
    }
  }

  async #run(id: string, running: Running): Promise<void> {
    const deps = this.#deps;
    const startedAt = new Date().toISOString();
    await deps.journal.append({ op: 'start', id, at: startedAt, pid: process.pid });
    const job: Job = { ...this.#jobs.get(id)!, state: 'running', startedAt, attempts: this.#jobs.get(id)!.attempts + 1 };
    this.#jobs.set(id, job);
    const events = await this.#logs.open(id);
    const log = deps.log.child({ job: id, kind: job.kind });
    const emit = (event: HbuildEvent): void => {
      events.append(event);
      deps.metrics.observeEvent(event);
    };
    const started = performance.now();
    log.info({ lock: job.lockPath, attempt: job.attempts }, 'job started');
    let outcome = await runJob(deps.kinds, { ...deps.shared, job, log, emit, signal: running.controller.signal });
    if (running.stop === 'shutdown' && outcome.exitCode !== 0) {
      await deps.journal.append({ op: 'requeue', id, at: new Date().toISOString(), reason: 'daemon shut down' });
      this.#jobs.set(id, { ...job, state: 'queued' });
      emit({ type: 'log', level: 'warn', message: 'the daemon is shutting down; this job runs again when it starts' });
      log.info('job stopped for shutdown; queued again');
      return;
    }
    // A job that succeeded before a cancel or stop took effect keeps its success.
    const state = outcome.exitCode === 0 ? 'succeeded' : running.stop === 'cancel' ? 'cancelled' : 'failed';
    if (state === 'cancelled') outcome = { ...outcome, exitCode: EXIT.cancelled };
    deps.metrics.observeJob(job.kind, state, (performance.now() - started) / 1000);
    log.info({ state, exitCode: outcome.exitCode }, 'job finished');
    await this.#finish(id, outcome, state);
  }

  async #finish(id: string, outcome: JobOutcome, state: 'succeeded' | 'failed' | 'cancelled'): Promise<void> {
    const at = new Date().toISOString();
    const { exitCode, summary, error } = outcome;
    await this.#deps.journal.append({ op: 'finish', id, at, state, exitCode, summary, ...(error ? { error } : {}) });
    const job = this.#jobs.get(id)!;
    this.#jobs.set(id, { ...job, state, exitCode, finishedAt: at, ...(summary ? { summary } : {}), ...(error ? { error } : {}) });
    await this.#logs.close(id);
    for (const old of this.list().filter((j) => j.finishedAt !== undefined).slice(KEEP_IN_MEMORY)) this.#jobs.delete(old.id);
  }
}

/**
 * Only the journal can fail a job's bookkeeping. Going on would break the promise that no job is
 * lost, so the daemon stops hard; the next start replays the journal and removes its containers.
 */
function crash(log: Logger, id: string, err: unknown): void {
  log.fatal({ err, job: id }, 'journal write failed');
  process.nextTick(() => {
    throw err;
  });
}
