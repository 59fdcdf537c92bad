import type { HbuildEvent } from '../core/events.js';
import type { JobKind } from './schema.js';

const DURATION_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

type PackageOutcome = 'built' | 'cached' | 'failed' | 'skipped';
type JobOutcomeLabel = 'succeeded' | 'failed' | 'cancelled';

export interface Metrics {
  observeEvent(event: HbuildEvent): void;
  observeJob(kind: JobKind, outcome: JobOutcomeLabel, seconds: number): void;
  /** Prometheus text exposition format 0.0.4. */
  render(gauges: { queued: number; running: number }): string;
}

/** Counters since this daemon started, as Prometheus expects of counters. */
export function createMetrics(startedAt = Date.now()): Metrics {
  const packages = new Map<PackageOutcome, number>();
  const jobs = new Map<string, number>();
  const durations = new Map<JobKind, { buckets: number[]; sum: number; count: number }>();
  const bump = <K>(map: Map<K, number>, key: K): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };

  return {
    observeEvent(event) {
      if (event.type !== 'package') return;
      if (event.status === 'cached') bump(packages, 'cached');
      else if (event.status === 'failed') bump(packages, 'failed');
      else if (event.status === 'skipped') bump(packages, 'skipped');
      else if (event.status === 'done' && event.stage === 'check') bump(packages, 'built');
    },
    observeJob(kind, outcome, seconds) {
      bump(jobs, `${kind}\u0000${outcome}`);
      const h = durations.get(kind) ?? { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      for (const [i, le] of DURATION_BUCKETS.entries()) if (seconds <= le) h.buckets[i] = (h.buckets[i] ?? 0) + 1;
      h.sum += seconds;
      h.count++;
      durations.set(kind, h);
    },
    render({ queued, running }) {
      const out: string[] = [];
      const family = (name: string, type: string, help: string): void => {
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      };
      family('hbuild_daemon_queue_depth', 'gauge', 'Jobs waiting to run.');
      out.push(`hbuild_daemon_queue_depth ${queued}`);
      family('hbuild_daemon_jobs_running', 'gauge', 'Jobs running now.');
      out.push(`hbuild_daemon_jobs_running ${running}`);
      family('hbuild_daemon_start_time_seconds', 'gauge', 'When this daemon started, in seconds since the epoch.');
      out.push(`hbuild_daemon_start_time_seconds ${Math.floor(startedAt / 1000)}`);
      family('hbuild_jobs_total', 'counter', 'Finished jobs by kind and outcome.');
      for (const [key, n] of [...jobs].sort()) {
        const [kind = '', outcome = ''] = key.split('\u0000');
        out.push(`hbuild_jobs_total{${labels({ kind, outcome })}} ${n}`);
      }
      family('hbuild_packages_total', 'counter', 'Package builds by outcome: built, cached (reused from the store), failed, skipped.');
      for (const outcome of ['built', 'cached', 'failed', 'skipped'] as const) out.push(`hbuild_packages_total{${labels({ outcome })}} ${packages.get(outcome) ?? 0}`);
      family('hbuild_cache_hits_total', 'counter', 'Builds answered from the store by input digest.');
      out.push(`hbuild_cache_hits_total ${packages.get('cached') ?? 0}`);
      family('hbuild_job_duration_seconds', 'histogram', 'Wall-clock time of finished jobs.');
      for (const [kind, h] of [...durations].sort()) {
        for (const [i, le] of DURATION_BUCKETS.entries()) out.push(`hbuild_job_duration_seconds_bucket{${labels({ kind, le: String(le) })}} ${h.buckets[i] ?? 0}`);
        out.push(`hbuild_job_duration_seconds_bucket{${labels({ kind, le: '+Inf' })}} ${h.count}`);
        out.push(`hbuild_job_duration_seconds_sum{${labels({ kind })}} ${h.sum}`);
        out.push(`hbuild_job_duration_seconds_count{${labels({ kind })}} ${h.count}`);
      }
      return `${out.join('\n')}\n`;
    },
  };
}

function labels(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}
