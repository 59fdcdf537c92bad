import type Docker from 'dockerode';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { HbuildError, isHbuildError } from '../core/errors.js';
import type { HbuildEvent, PackageStage } from '../core/events.js';
import type { ContainerLimits } from '../engine/container-limits.js';
import { fetchSdist } from '../fetch/fetch-sdist.js';
import { inspectCached } from '../inspect/inspect-cached.js';
import { vetStep, type VetMode } from '../vet/vet-step.js';
import type { Plan, PlannedPackage } from '../lockfile/plan.js';
import { recipeReader, type LoadedRecipe } from '../recipe/read-recipe.js';
import type { Store } from '../store/store.js';
import { buildAndCheck, type BuildSetup } from './build-step.js';
import { createSlots } from './slots.js';
import type { PackageRecord } from '../wheelhouse/package-record.js';

export interface RunOptions {
  plan: Plan;
  store: Store;
  /** The Docker engine and the pinned builder image, connected on first use: a fully cached run never needs them. */
  engine: () => Promise<BuildEngine>;
  /** The builder rootfs digest the lock pins (part of every input digest). */
  builderRootfs: string;
  indexUrl: () => Promise<string>;
  sdistDirs: string[];
  jobs: number;
  record: boolean;
  failFast: boolean;
  limits: ContainerLimits;
  /** Directory of per-package recipes (`<name>.yaml`); absent recipes mean defaults. */
  recipesDir: string;
  vet: { mode: VetMode; minAgeDays: number };
  log: Logger;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
}

export interface BuildEngine {
  docker: Docker;
  imageId: string;
}

export interface PackageFailure {
  name: string;
  version: string;
  stage: PackageStage;
  error: HbuildError;
}

export interface RunResult {
  records: PackageRecord[];
  failures: PackageFailure[];
}

/** Failures of the run's engine rather than of one package. */
export const ENGINE_ERRORS: ReadonlySet<string> = new Set(['ERR_DOCKER_UNAVAILABLE', 'ERR_IMAGE_MISSING', 'ERR_IMAGE_MISMATCH']);

/**
 * Take every planned package from pin to checked wheel: sources are fetched and
 * inspected as early as possible; a build starts once its build requirements are
 * accepted, with at most `jobs` builds at a time.
 */
export async function runBuilds(options: RunOptions): Promise<RunResult> {
  const { plan, emit } = options;
  const run = new AbortController();
  const signal = AbortSignal.any([options.signal, run.signal]);
  // Fetch and inspect are I/O-bound and cheap: run many at once so a cached run is not serialised on them.
  const prepareQueue = new PQueue({ concurrency: Math.max(32, options.jobs) });
  const buildQueue = new PQueue({ concurrency: options.jobs });
  const cpuSlots = createSlots(options.jobs);
  let recipes: Promise<(key: string) => Promise<LoadedRecipe | null>> | undefined;
  const outcomes = new Map<string, Promise<PackageRecord | PackageFailure>>();
  const failures: PackageFailure[] = [];
  const records: PackageRecord[] = [];

  const fail = (pkg: PlannedPackage, stage: PackageStage, err: unknown): PackageFailure => {
    const error = toHbuildError(err);
    emit({ type: 'package', name: pkg.name, version: pkg.version, stage, status: error.code === 'ERR_DEPENDENCY_FAILED' ? 'skipped' : 'failed', message: error.message });
    const failure = { name: pkg.name, version: pkg.version, stage, error };
    failures.push(failure);
    if (options.failFast && error.code !== 'ERR_DEPENDENCY_FAILED' && error.code !== 'ERR_CANCELLED') run.abort();
    // Without an engine or the pinned image no build can run: stop at once.
    if (ENGINE_ERRORS.has(error.code)) run.abort();
    return failure;
  };

  const processPackage = async (pkg: PlannedPackage): Promise<PackageRecord | PackageFailure> => {
    let stage: PackageStage = 'fetch';
    try {
      const timings: Record<string, number> = {};
      const prepared = await prepareQueue.add(async () => {
        signal.throwIfAborted();
        const fetched = await timed(timings, 'fetch', () =>
          fetchSdist({ ...pkg.sdist, name: pkg.name, version: pkg.version, ...(pkg.index ? { index: pkg.index } : {}) }, { store: options.store, indexUrl: options.indexUrl, sdistDirs: options.sdistDirs, signal }),
        );
        emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'fetch', status: 'done', message: fetched.origin });
        stage = 'inspect';
        const inspected = await timed(timings, 'inspect', () => inspectCached(options.store, fetched.path, fetched.sha256, { name: pkg.name, version: pkg.version }));
        const recipe = await (recipes ??= recipeReader(options.recipesDir)).then((read) => read(pkg.key));
        emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'inspect', status: 'done' });
        stage = 'vet';
        const vet = await timed(timings, 'vet', () => vetStep(pkg, fetched.path, fetched.sha256, recipe, { store: options.store, ...options.vet }));
        emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'vet', status: 'done', message: vet.verdict });
        return { fetched, inspected, recipe, vet };
      }, { throwOnTimeout: true });

      const deps: PackageRecord[] = [];
      for (const key of pkg.buildRequires) {
        const outcome = await outcomes.get(key);
        if (!outcome || !('wheel' in outcome)) {
          throw new HbuildError('ERR_DEPENDENCY_FAILED', `not built: its build requirement ${outcome?.name ?? key} failed`, {
            details: { dependency: outcome?.name ?? key },
          });
        }
        deps.push(outcome);
      }
      stage = 'build';
      emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'build', status: 'queued' });
      const setup: BuildSetup = { ...options, signal };
      // Cache hits never wait for a build slot; only real container builds are queued and weighted.
      const weight = prepared.recipe?.recipe.limits?.cpus ?? 1;
      const inSlot = <T>(fn: () => Promise<T>): Promise<T> =>
        buildQueue.add(
          async () => {
            signal.throwIfAborted();
            const release = await cpuSlots.acquire(weight);
            try {
              signal.throwIfAborted();
              return await fn();
            } finally {
              release();
            }
          },
          { throwOnTimeout: true },
        );
      const record = await buildAndCheck(setup, pkg, prepared, deps, timings, (s) => (stage = s), inSlot);
      records.push(record);
      return record;
    } catch (err) {
      return fail(pkg, stage, err);
    }
  };

  for (const pkg of plan.packages) {
    emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'fetch', status: 'queued' });
    outcomes.set(pkg.key, processPackage(pkg));
  }
  await Promise.all(outcomes.values());
  return { records: sortLike(plan, records), failures };
}

function sortLike(plan: Plan, records: PackageRecord[]): PackageRecord[] {
  const order = new Map(plan.packages.map((p, i) => [p.name, i]));
  return [...records].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
}

async function timed<T>(timings: Record<string, number>, key: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[key] = Math.round(performance.now() - start) / 1000;
  }
}

function toHbuildError(err: unknown): HbuildError {
  if (isHbuildError(err)) return err;
  if (err instanceof Error && err.name === 'AbortError') return new HbuildError('ERR_CANCELLED', 'cancelled', { cause: err });
  if (err instanceof DOMException && err.name === 'AbortError') return new HbuildError('ERR_CANCELLED', 'cancelled', { cause: err });
  return new HbuildError('ERR_INTERNAL', `internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}
