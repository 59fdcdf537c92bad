import PQueue from 'p-queue';
import { normalizeName } from '../core/pep503.js';
import { resolve } from 'node:path';
import type { HbuildError } from '../core/errors.js';
import { resolveIndexUrl } from '../fetch/index-url.js';
import type { HbuildEvent } from '../core/events.js';
import { fetchSdist, type FetchedSdist } from '../fetch/fetch-sdist.js';
import { inspectCached } from '../inspect/inspect-cached.js';
import type { InspectResult } from '../inspect/sdist.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import { recipeReader, type LoadedRecipe } from '../recipe/read-recipe.js';
import type { Store } from '../store/store.js';
import type { VetException } from '../vet/schema.js';
import { vetStep, type VetMode, type VetOutcome } from '../vet/vet-step.js';
import { timed, type TaskContext } from './scheduler.js';

/** What the first three stages need, shared by build, verify and vet runs. */
export interface PrepareOptions {
  store: Store;
  /** Resolved lazily: only a store miss with no local copy asks for it. */
  indexUrl: () => Promise<string>;
  sdistDirs: string[];
  /** Directory of per-package recipes (`<name>.yaml`); absent recipes mean defaults. */
  recipesDir: string;
  vet: { mode: VetMode; minAgeDays: number; extraExceptions?: readonly VetException[] };
  emit: (event: HbuildEvent) => void;
}

/** One package after fetch → inspect → vet: its pinned sdist in the store, its tree digest, recipe and vetting. */
export interface PreparedSdist {
  fetched: FetchedSdist;
  inspected: InspectResult;
  recipe: LoadedRecipe | null;
  vet: VetOutcome;
}

/**
 * Where a run's sources and recipes come from, as every command takes them: the index is
 * resolved only when a store miss with no local copy needs it; `--sdist-dir` folders and
 * the recipes folder (default `recipes/` beside the lock) are made absolute.
 */
export function sourcesFor(lockDir: string, given: { indexUrl?: string; sdistDirs: readonly string[]; recipesDir?: string }): Pick<PrepareOptions, 'indexUrl' | 'sdistDirs' | 'recipesDir'> {
  let indexUrl: Promise<string> | undefined;
  return {
    indexUrl: () => (indexUrl ??= resolveIndexUrl(given.indexUrl)),
    sdistDirs: given.sdistDirs.map((d) => resolve(d)),
    recipesDir: resolve(given.recipesDir ?? resolve(lockDir, 'recipes')),
  };
}

/** Sources unpacked or vetted at once by one run (only work no earlier result covers). */
const SOURCE_READS_AT_ONCE = 2;

/** The stage steps before any container: every run takes a source through exactly these. */
export function createPrepare(options: PrepareOptions): (pkg: PlannedPackage, context: TaskContext<unknown>) => Promise<PreparedSdist> {
  let recipes: Promise<(key: string) => Promise<LoadedRecipe | null>> | undefined;
  const { store, emit } = options;
  // Unpacking and reading sources is CPU work on this process's one thread: a few at a time, in
  // the run's priority order, so that the sources builds wait for first are ready first (and the
  // checks of finished builds are not starved by thirty unpackings at once).
  const cpu = new PQueue({ concurrency: SOURCE_READS_AT_ONCE });
  return async (pkg, context) => {
    const { timings, signal } = context;
    const gate = <T>(work: () => Promise<T>): Promise<T> => cpu.add(work, { priority: context.priority, signal, throwOnTimeout: true });
    const done = (stage: 'fetch' | 'inspect' | 'vet', message?: string): void =>
      emit({ type: 'package', name: pkg.name, version: pkg.version, stage, status: 'done', ...(message ? { message } : {}) });
    context.setStage('fetch');
    emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'fetch', status: 'running' });
    const onCorrupt = (err: HbuildError): void =>
      emit({ type: 'log', level: 'warn', message: `${pkg.name}: the store's copy of ${pkg.sdist.file} was corrupt and is fetched again`, details: err.details });
    const pin = { ...pkg.sdist, name: pkg.name, version: pkg.version, ...(pkg.index ? { index: pkg.index } : {}) };
    const fetched = await timed(timings, 'fetch', () => fetchSdist(pin, { store, indexUrl: options.indexUrl, sdistDirs: options.sdistDirs, signal, onCorrupt }));
    done('fetch', fetched.origin);
    context.setStage('inspect');
    const inspected = await timed(timings, 'inspect', () => inspectCached(store, fetched.path, fetched.sha256, { name: pkg.name, version: pkg.version }, gate));
    const recipe = await (recipes ??= recipeReader(options.recipesDir)).then((read) => read(normalizeName(pkg.name)));
    done('inspect');
    context.setStage('vet');
    const vet = await timed(timings, 'vet', () => vetStep(pkg, fetched.path, fetched.sha256, recipe, { store, ...options.vet, signal, gate }));
    done('vet', vet.result.verdict);
    return { fetched, inspected, recipe, vet };
  };
}
