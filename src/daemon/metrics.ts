import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HbuildEvent } from '../core/events.js';
import { JOB_KINDS, type JobKind } from './schema.js';

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
const PACKAGE_OUTCOMES = ['built', 'cached', 'failed', 'skipped'] as const;
const JOB_OUTCOMES = ['succeeded', 'failed', 'cancelled'] as const;

type PackageOutcome = (typeof PACKAGE_OUTCOMES)[number];
type JobOutcomeLabel = (typeof JOB_OUTCOMES)[number];

/** A scrape: the text and the content type to serve it with. */
export interface Exposition {
  contentType: string;
  text: string;
}

export interface Metrics {
  /**
   * This daemon's own registry, never prom-client's global one: two daemons in one process
   * (as in tests) count apart. Other daemon parts register their metrics here.
   */
  readonly registry: Registry;
  observeEvent(event: HbuildEvent): void;
  observeJob(kind: JobKind, outcome: JobOutcomeLabel, seconds: number): void;
  /** Prometheus text exposition format 0.0.4, with the queue's gauges as they are now. */
  render(gauges: { queued: number; running: number }): Promise<Exposition>;
}

/** Counters since this daemon started, as Prometheus expects of counters. */
export function createMetrics(startedAt = Date.now()): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const queueDepth = new Gauge({ name: 'hbuild_daemon_queue_depth', help: 'Jobs waiting to run.', registers });
  const jobsRunning = new Gauge({ name: 'hbuild_daemon_jobs_running', help: 'Jobs running now.', registers });
  const startTime = new Gauge({ name: 'hbuild_daemon_start_time_seconds', help: 'When this daemon started, in seconds since the epoch.', registers });
  const jobs = new Counter({ name: 'hbuild_jobs_total', help: 'Finished jobs by kind and outcome.', labelNames: ['kind', 'outcome'] as const, registers });
  const packages = new Counter({
    name: 'hbuild_packages_total',
    help: 'Package builds by outcome: built, cached (reused from the store), failed, skipped.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const cacheHits = new Counter({ name: 'hbuild_cache_hits_total', help: 'Builds answered from the store by input digest.', registers });
  const durations = new Histogram({
    name: 'hbuild_job_duration_seconds',
    help: 'Wall-clock time of finished jobs.',
    labelNames: ['kind'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  });

  startTime.set(Math.floor(startedAt / 1000));
  // Every series exists from the start at 0, so rate() and absent() see a counter that has not moved yet.
  for (const outcome of PACKAGE_OUTCOMES) packages.inc({ outcome }, 0);
  for (const kind of JOB_KINDS) {
    for (const outcome of JOB_OUTCOMES) jobs.inc({ kind, outcome }, 0);
    durations.zero({ kind });
  }

  const countPackage = (outcome: PackageOutcome): void => {
    packages.inc({ outcome });
    if (outcome === 'cached') cacheHits.inc();
  };

  return {
    registry,
    observeEvent(event) {
      if (event.type !== 'package') return;
      if (event.status === 'cached') countPackage('cached');
      else if (event.status === 'failed') countPackage('failed');
      else if (event.status === 'skipped') countPackage('skipped');
      else if (event.status === 'done' && event.stage === 'check') countPackage('built');
    },
    observeJob(kind, outcome, seconds) {
      jobs.inc({ kind, outcome });
      durations.observe({ kind }, seconds);
    },
    async render({ queued, running }) {
      queueDepth.set(queued);
      jobsRunning.set(running);
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
