import { setMaxListeners } from 'node:events';
import PQueue from 'p-queue';
import { diskFullError, HbuildError, isHbuildError } from '../core/errors.js';
import type { HbuildEvent, PackageStage } from '../core/events.js';
import type { Plan, PlannedPackage } from '../lockfile/plan.js';
import { createSlots, type Slots } from '../core/slots.js';
import { criticalPathPriorities } from './critical-path.js';

/** What a package's dependents learn of it: the value it offers them, or why there is none. */
export type RequirementOutcome<D> =
  | { key: string; name: string; ok: true; value: D }
  | { key: string; name: string; ok: false; reason: string; cancelled?: boolean };

export interface PackageFailure {
  name: string;
  version: string;
  stage: PackageStage;
  error: HbuildError;
}

export type PackageOutcome<R> = { pkg: PlannedPackage; ok: true; result: R } | { pkg: PlannedPackage; ok: false; failure: PackageFailure };

/** What a task's steps are handed for one package. */
export interface TaskContext<D> {
  /** The run's signal: aborted on cancel, and on the first failure with --fail-fast. */
  signal: AbortSignal;
  slots: Slots;
  /** Where the package is, for the failure report. */
  setStage(stage: PackageStage): void;
  timings: Record<string, number>;
  /** Offer dependents their value now, before this package's own work ends (first offer wins). */
  provide(value: D): void;
  /** Where the package's work queues for fetches and build slots (`slots` applies it): higher first, critical-path order. */
  priority: number;
}

/**
 * One kind of run over a plan: `prepare` (fetch, inspect, vet: cheap, many at once),
 * then, once every build requirement has settled, `act` (the container work, which
 * takes build slots). `offer` is what dependents get from a finished `act`.
 */
export interface PackageTask<P, R, D> {
  prepare(pkg: PlannedPackage, context: TaskContext<D>): Promise<P>;
  act(pkg: PlannedPackage, prepared: P, requirements: Array<RequirementOutcome<D>>, context: TaskContext<D>): Promise<R>;
  offer(result: R): D | undefined;
  /** Whether `act` waits for the build requirements (default true; vetting needs none). */
  waitForRequirements?: boolean;
  /** Told of each failure as it happens (events, logs). */
  onFailure?(failure: PackageFailure, pkg: PlannedPackage): void;
}

export interface ScheduleOptions {
  jobs: number;
  failFast: boolean;
  signal: AbortSignal;
  /** Failures after which no package can succeed (no engine, no builder image): the run stops at once. */
  fatal?: (error: HbuildError) => boolean;
  /**
   * Told when a package's work starts to wait for build requirements (a `waiting` event naming
   * those not yet settled, again each time one settles), and when the wait is over (`build queued`).
   */
  emit?: (event: HbuildEvent) => void;
}

/** Parallel fetches and inspections: I/O-bound and cheap, so a cached run is not serialised on them. */
const PREPARE_CONCURRENCY = 32;

/**
 * The one scheduler of every run (build, verify, vet, and the builds `hbuild lock`
 * makes): each package's work waits for its build requirements, at most `jobs` slots of
 * container work run at once, and where work queues (fetches, build slots) the package on the
 * longest chain of estimated build costs goes first (`criticalPathPriorities`).
 */
export async function schedule<P, R, D>(plan: Plan, task: PackageTask<P, R, D>, options: ScheduleOptions): Promise<Array<PackageOutcome<R>>> {
  const run = new AbortController();
  const signal = AbortSignal.any([options.signal, run.signal]);
  // Every package waiting for a slot listens on the run's signal.
  setMaxListeners(Math.max(64, plan.packages.length * 32), signal);
  const prepareQueue = new PQueue({ concurrency: Math.max(PREPARE_CONCURRENCY, options.jobs) });
  const shared = createSlots(options.jobs);
  const offers = new Map(plan.packages.map((p) => [p.key, deferred<RequirementOutcome<D>>()]));
  const names = new Map(plan.packages.map((p) => [p.key, p.name]));
  const priorities = criticalPathPriorities(plan);
  const settle = (key: string, outcome: RequirementOutcome<D>): void => offers.get(key)?.resolve(outcome);
  const requirement = (key: string): Promise<RequirementOutcome<D>> =>
    offers.get(key)?.promise ?? Promise.resolve({ key, name: key, ok: false, reason: `${key} is not part of this run` });
  const awaitRequirements = async (pkg: PlannedPackage): Promise<Array<RequirementOutcome<D>>> => {
    const pending = (): string[] => pkg.buildRequires.filter((key) => offers.get(key)?.settled() === false).map((key) => names.get(key) ?? key);
    const event = { type: 'package', name: pkg.name, version: pkg.version, stage: 'build' } as const;
    let told = '';
    const tell = (): void => {
      const left = pending();
      if (left.length === 0 || left.join() === told) return;
      told = left.join();
      options.emit?.({ ...event, status: 'waiting', waitingFor: left });
    };
    tell();
    const waited = told !== '';
    const outcomes = await Promise.all(
      pkg.buildRequires.map(async (key) => {
        const outcome = await requirement(key);
        tell();
        return outcome;
      }),
    );
    if (waited && outcomes.every((o) => o.ok)) options.emit?.({ ...event, status: 'queued' });
    return outcomes;
  };

  const one = async (pkg: PlannedPackage): Promise<PackageOutcome<R>> => {
    let stage: PackageStage = 'fetch';
    const priority = priorities.get(pkg.key) ?? 0;
    // Work waiting for a slot stops waiting when the run is cancelled or fails fast; a priority
    // the work gives is relative to its package's.
    const slots: Slots = { run: (fn, o = {}) => shared.run(fn, { ...o, priority: priority + (o.priority ?? 0), signal: o.signal ?? signal }) };
    const context: TaskContext<D> = {
      signal,
      slots,
      setStage: (s) => (stage = s),
      timings: {},
      provide: (value) => settle(pkg.key, { key: pkg.key, name: pkg.name, ok: true, value }),
      priority,
    };
    try {
      const prepared = await prepareQueue.add(
        async () => {
          signal.throwIfAborted();
          return task.prepare(pkg, context);
        },
        { throwOnTimeout: true, priority: context.priority },
      );
      const requirements = task.waitForRequirements === false ? [] : await awaitRequirements(pkg);
      stage = 'build';
      const result = await task.act(pkg, prepared, requirements, context);
      const value = task.offer(result);
      settle(pkg.key, value === undefined ? { key: pkg.key, name: pkg.name, ok: false, reason: `${pkg.name} offers nothing to build with` } : { key: pkg.key, name: pkg.name, ok: true, value });
      return { pkg, ok: true, result };
    } catch (err) {
      const error = toHbuildError(err, signal);
      settle(pkg.key, { key: pkg.key, name: pkg.name, ok: false, reason: error.message, ...(error.code === 'ERR_CANCELLED' ? { cancelled: true } : {}) });
      const failure: PackageFailure = { name: pkg.name, version: pkg.version, stage, error };
      task.onFailure?.(failure, pkg);
      if (options.failFast && error.code !== 'ERR_DEPENDENCY_FAILED' && error.code !== 'ERR_CANCELLED') run.abort();
      if (options.fatal?.(error)) run.abort();
      return { pkg, ok: false, failure };
    }
  };
  // Started in priority order (the first fetches begin at once, before the queue can order them); reported in plan order.
  const started = new Map([...plan.packages].sort((a, b) => (priorities.get(b.key) ?? 0) - (priorities.get(a.key) ?? 0)).map((p) => [p.key, one(p)]));
  return Promise.all(plan.packages.map((p) => started.get(p.key)!));
}

/**
 * The error a build that needs `requirements` fails with when one of them has no wheel: cancelled
 * when that one was cancelled (Ctrl-C, --fail-fast), else ERR_DEPENDENCY_FAILED.
 */
export function requireAll<D>(requirements: Array<RequirementOutcome<D>>): D[] {
  const values: D[] = [];
  for (const r of requirements) {
    if (!r.ok && r.cancelled) throw new HbuildError('ERR_CANCELLED', `cancelled before its build requirement ${r.name} was built`, { details: { dependency: r.name } });
    if (!r.ok) {
      throw new HbuildError('ERR_DEPENDENCY_FAILED', `not built: its build requirement ${r.name} failed`, { details: { dependency: r.name } });
    }
    values.push(r.value);
  }
  return values;
}

/** Time one step into `timings[key]` (seconds, three decimals). */
export async function timed<T>(timings: Record<string, number>, key: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[key] = Math.round(performance.now() - start) / 1000;
  }
}

function toHbuildError(err: unknown, signal: AbortSignal): HbuildError {
  if (isHbuildError(err)) return err;
  const full = diskFullError(err);
  if (full) return full;
  const aborted = (err instanceof Error || err instanceof DOMException) && err.name === 'AbortError';
  if (aborted || (signal.aborted && err === signal.reason)) return new HbuildError('ERR_CANCELLED', 'cancelled', { cause: err });
  return new HbuildError('ERR_INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; settled: () => boolean } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  let settled = false;
  return {
    promise,
    settled: () => settled,
    resolve: (value) => {
      if (settled) return;
      settled = true;
      resolve(value);
    },
  };
}
