import { basename, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { isHbuildError } from '../core/errors.js';
import { sweepLeftovers, type Engine } from '../engine/index.js';
import type { HbuildEvent } from '../core/events.js';
import { checkLocalPaths } from '../lockfile/local-paths.js';
import { planSources } from '../lockfile/plan.js';
import { readLock } from '../lockfile/read.js';
import { openStore } from '../store/store.js';
import type { VetException } from '../vet/schema.js';
import type { VettedPackage } from '../vet/types.js';
import { DEFAULT_MIN_AGE_DAYS } from '../vet/verdict.js';
import { createPrepare, sourcesFor } from './prepare.js';
import { schedule } from './scheduler.js';

export interface VetLockOptions {
  lockPath: string;
  only?: string[];
  storeRoot: string;
  sdistDirs: string[];
  indexUrl?: string;
  /** Per-package recipes (their vet exceptions apply); default: `recipes/` beside the lock file. */
  recipesDir?: string;
  minAgeDays?: number;
  /** Exceptions that apply to every package besides its recipe's. */
  exceptions?: readonly VetException[];
  onPackage?: (vetted: VettedPackage) => void;
  emit?: (event: HbuildEvent) => void;
  /** Vetting runs no container; with an engine, leftovers of crashed runs are swept meanwhile. */
  engine?: Engine;
  log?: Logger;
  signal: AbortSignal;
}

/**
 * `hbuild vet`: take every pinned sdist through the same fetch → inspect → vet
 * steps as a build, and report instead of refusing. Expected failures are kept
 * per package so one bad sdist does not hide the verdicts of the rest.
 */
export async function vetLock(options: VetLockOptions): Promise<VettedPackage[]> {
  const loaded = await readLock(resolve(options.lockPath));
  // Vetting is about the sdist, not the target: each is vetted once.
  const plan = planSources(loaded, options.only);
  await checkLocalPaths(loaded, options.sdistDirs);
  const store = await openStore(options.storeRoot);
  const sweep = options.engine ? sweepLeftovers(options.engine, options.log ?? pino({ enabled: false })) : Promise.resolve(0);
  const prepare = createPrepare({
    store,
    ...sourcesFor(loaded.dir, options),
    vet: { mode: 'report', minAgeDays: options.minAgeDays ?? DEFAULT_MIN_AGE_DAYS, ...(options.exceptions ? { extraExceptions: options.exceptions } : {}) },
    emit: options.emit ?? (() => undefined),
  });
  const entryOf = (pkg: (typeof plan.packages)[number]): VettedPackage => ({ name: pkg.name, version: pkg.version, file: basename(pkg.sdist.file), sha256: pkg.sdist.sha256 });
  const outcomes = await schedule(
    plan,
    {
      prepare,
      // Vetting needs no container and no build requirement's wheel.
      act: async (pkg, prepared) => {
        const vetted = { ...entryOf(pkg), sha256: prepared.fetched.sha256, result: prepared.vet.result };
        options.onPackage?.(vetted);
        return vetted;
      },
      offer: () => undefined,
      waitForRequirements: false,
      onFailure: (failure, pkg) => {
        if (failure.error.code !== 'ERR_CANCELLED') options.onPackage?.({ ...entryOf(pkg), error: failure.error });
      },
    },
    { jobs: 1, failFast: false, signal: options.signal },
  );
  await sweep;
  options.signal.throwIfAborted();
  for (const outcome of outcomes) {
    if (outcome.ok) continue;
    // A usage error (no index configured) or a bug is the command's failure, not one package's.
    const { error } = outcome.failure;
    if (error.code === 'ERR_USAGE') throw error;
    if (error.code === 'ERR_INTERNAL' && !isHbuildError(error.cause)) throw error.cause;
  }
  return outcomes.map((outcome) => (outcome.ok ? outcome.result : { ...entryOf(outcome.pkg), error: outcome.failure.error }));
}
