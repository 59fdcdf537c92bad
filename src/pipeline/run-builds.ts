import type { Logger } from 'pino';
import type { BuildFrame } from '../builder/describe-build.js';
import type { HbuildEvent } from '../core/events.js';
import type { Plan } from '../lockfile/plan.js';
import type { Store } from '../store/store.js';
import type { PackageRecord } from '../wheelhouse/package-record.js';
import { buildAndCheck, type BuilderConnection } from './package-build.js';
import type { BuilderImages } from './builder-images.js';
import { createPrepare, type PrepareOptions } from './prepare.js';
import { requireAll, schedule, type PackageFailure } from './scheduler.js';

export interface RunBuildsOptions extends Omit<PrepareOptions, 'emit' | 'store'> {
  plan: Plan;
  store: Store;
  builder: BuilderConnection;
  /** Derived builder images; without them a recipe with `debian-packages` is refused. */
  images?: BuilderImages;
  frame: BuildFrame;
  jobs: number;
  record: boolean;
  failFast: boolean;
  log: Logger;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
}

export interface RunResult {
  records: PackageRecord[];
  failures: PackageFailure[];
}

/** A failed package's status: stopped from outside, not built for a failed requirement, or failed itself. */
export function failureStatus(failure: PackageFailure): 'cancelled' | 'skipped' | 'failed' {
  if (failure.error.code === 'ERR_CANCELLED') return 'cancelled';
  return failure.error.code === 'ERR_DEPENDENCY_FAILED' ? 'skipped' : 'failed';
}

/** Failures of the run's engine rather than of one package. */
export const ENGINE_ERRORS: ReadonlySet<string> = new Set(['ERR_DOCKER_UNAVAILABLE', 'ERR_IMAGE_MISSING', 'ERR_IMAGE_MISMATCH']);

/**
 * Take every planned package from pin to checked wheel: sources are fetched,
 * inspected and vetted as early as possible; a build starts once its build
 * requirements are accepted, with at most `jobs` builds at a time.
 */
export async function runBuilds(options: RunBuildsOptions): Promise<RunResult> {
  const { plan, emit } = options;
  const prepare = createPrepare(options);
  const context = { store: options.store, builder: options.builder, ...(options.images ? { images: options.images } : {}), frame: options.frame, record: options.record, envs: new Map(), removals: [] as Array<Promise<void>>, log: options.log, emit };
  for (const pkg of plan.packages) emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'fetch', status: 'queued' });
  const outcomes = await schedule<Awaited<ReturnType<typeof prepare>>, PackageRecord, PackageRecord>(
    plan,
    {
      prepare,
      act: (pkg, prepared, requirements, task) => buildAndCheck(context, { pkg, prepared, requirements: requireAll(requirements), task }),
      offer: (record) => record,
      onFailure: (failure) =>
        emit({
          type: 'package',
          name: failure.name,
          version: failure.version,
          stage: failure.stage,
          status: failureStatus(failure),
          message: failure.error.message,
        }),
    },
    // Without an engine or the pinned image no build can run: stop at once.
    { jobs: options.jobs, failFast: options.failFast, signal: options.signal, fatal: (error) => ENGINE_ERRORS.has(error.code), emit },
    // Every container of the run is gone before it returns (their removal overlapped the next builds).
  ).finally(() => Promise.all(context.removals));
  const records: PackageRecord[] = [];
  const failures: PackageFailure[] = [];
  for (const outcome of outcomes) {
    if (outcome.ok) records.push(outcome.result);
    else failures.push(outcome.failure);
  }
  return { records, failures };
}
