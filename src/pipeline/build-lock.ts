import { normalizeName } from '../core/pep503.js';
import { packageId } from '../lockfile/package-ids.js';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { DEFAULT_LIMITS, sweepLeftovers, type ContainerLimits, type Engine } from '../engine/index.js';
import type { HbuildEvent } from '../core/events.js';
import { checkLocalPaths } from '../lockfile/local-paths.js';
import { planBuild } from '../lockfile/plan.js';
import { readLockMemo } from './read-lock-memo.js';
import type { VetMode } from '../vet/vet-step.js';
import { DEFAULT_MIN_AGE_DAYS } from '../vet/verdict.js';
import { recordWheels } from '../lockfile/record-wheels.js';
import { requestedPackages } from '../lockfile/inputs.js';
import { openStore } from '../store/store.js';
import { sha256File } from '../core/digest.js';
import { HBUILD_VERSION } from '../core/version.js';
import { publishWheelhouse } from '../wheelhouse/publish.js';
import { attestWheelhouse } from '../attest/write.js';
import type { BuilderConnection } from './package-build.js';
import { sourcesFor } from './prepare.js';
import { createBuilderImages, imagesOutFor, type BuilderImages } from './builder-images.js';
import { ENGINE_ERRORS, failureStatus, runBuilds, type RunResult } from './run-builds.js';
import { runExitCode, runStatusFor } from '../core/exit-codes.js';
import { isMultiTarget, selectTargets } from '../lockfile/targets.js';
import type { PackageRecord } from '../wheelhouse/package-record.js';
import type { PackageFailure } from './scheduler.js';
import { runTargets } from './targets.js';

export interface BuildLockOptions {
  lockPath: string;
  outDir: string;
  storeRoot: string;
  jobs?: number;
  record: boolean;
  failFast: boolean;
  only?: string[];
  /** Build only this target of a lock with several (`--target`); default: every target. */
  target?: string;
  indexUrl?: string;
  sdistDirs: string[];
  /** Per-package recipes; default: `recipes/` beside the lock file. */
  recipesDir?: string;
  /** The container engine builds run on; connected only when a build is not cached. Its runtime, if chosen, beats the lock's. */
  engine: Engine;
  limits?: Partial<ContainerLimits>;
  /** Derived builder images: recipes folder (default: the images/ hbuild ships), where rootfs tars are kept (default: images/ beside the store), Debian mirror (default: the host's apt sources). */
  images?: { dir?: string; out?: string; mirror?: string };
  /** `enforce` (default) refuses sources that vetting blocks or the quarantine holds; `report` only records. */
  vet?: VetMode;
  /** Release-age quarantine in days (default 7; 0 turns it off). */
  minAgeDays?: number;
  /** ed25519 key that signs the provenance; default: created on first use in the user's config dir. */
  signingKey?: string;
  log: Logger;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
}

export interface BuildLockResult extends RunResult {
  published: boolean;
  recorded: number;
}

/** The whole `hbuild build`: lock → plan → builds → (record) → wheelhouse. The CLI and the daemon both call this. */
export async function buildLock(options: BuildLockOptions): Promise<BuildLockResult> {
  const started = performance.now();
  const store = await openStore(options.storeRoot);
  const loaded = await readLockMemo(options.lockPath, store);
  const multi = isMultiTarget(loaded.lock);
  const targets = await runTargets(loaded.lock, selectTargets(loaded.lock, options.target, loaded.path), options.images?.dir);
  const plans = targets.map((t) => planBuild(loaded, options.only, t.name));
  await checkLocalPaths(loaded, options.sdistDirs);
  // A pool offers the sum of its engines' slots: that beats the lock's guess, --jobs beats both.
  const jobs = options.jobs ?? options.engine.slots ?? plans[0]!.jobs ?? defaultJobs();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // --runtime beats the lock's settings.runtime. The runtime is no build input: a cached wheel runs no container.
  const engine = options.engine.withDefaultRuntime(loaded.lock.settings?.runtime);
  // Leftovers of a crashed hbuild are removed at the start of every run, cached or not; a run that needs
  // no container does not wait for it, nor fail when no engine answers.
  const sweep = sweepLeftovers(engine, options.log);
  const announce = (message: string): void => options.emit({ type: 'log', level: 'info', message });
  options.emit({ type: 'run', status: 'start', kind: 'build', packages: plans.reduce((n, p) => n + p.packages.length, 0), jobs });

  // Targets are an outer loop over one target's pipeline: its own builder image, derived images, cache keys (the rootfs is an input) and pins.
  const result: RunResult = { records: [], failures: [] };
  for (const plan of plans) {
    const emit = multi ? tagTarget(options.emit, plan.target) : options.emit;
    const one = await runBuilds({
      plan,
      store,
      builder: connectBuilder(engine, plan.builder, sweep),
      images: runImages(engine, plan.builder, sweep, { ...options, announce }),
      frame: { limits, sourceDateEpoch: plan.sourceDateEpoch, builderRootfs: plan.builder.rootfs },
      ...sourcesFor(loaded.dir, options),
      jobs,
      record: options.record,
      failFast: options.failFast,
      vet: { mode: options.vet ?? 'enforce', minAgeDays: options.minAgeDays ?? DEFAULT_MIN_AGE_DAYS },
      log: multi ? options.log.child({ target: plan.target }) : options.log,
      emit,
      signal: options.signal,
    });
    result.records.push(...(multi ? one.records.map((r): PackageRecord => ({ ...r, target: plan.target })) : one.records));
    result.failures.push(...(multi ? one.failures.map((f) => targetFailure(f, plan.target)) : one.failures));
    if (one.failures.some((f) => ENGINE_ERRORS.has(f.error.code)) || (options.failFast && one.failures.length > 0) || options.signal.aborted) break;
  }

  const engineFailure = result.failures.find((f) => ENGINE_ERRORS.has(f.error.code));
  if (engineFailure) throw engineFailure.error;

  let recorded = 0;
  if (options.record) {
    for (const plan of plans) {
      const mine = result.records.filter((r) => !multi || r.target === plan.target);
      const toRecord = mine.filter((r) => r.verdict === 'recorded');
      const imagePins = new Map(mine.flatMap((r) => (r.unpinnedBuilderImage ? [[packageId(r.name, r.version), r.unpinnedBuilderImage] as const] : [])));
      if (toRecord.length === 0 && imagePins.size === 0) continue;
      const byName = new Map(toRecord.map((r) => [packageId(r.name, r.version), { file: r.wheel.file, sha256: r.wheel.sha256 }]));
      await recordWheels(loaded.path, byName, imagePins, multi ? plan.target : undefined);
      recorded += toRecord.length;
      options.log.info({ recorded: toRecord.length, lock: loaded.path, ...(multi ? { target: plan.target } : {}) }, 'wheel hashes recorded');
    }
  }

  let published = false;
  if (result.failures.length === 0) {
    const first = plans[0]!;
    const outcome = await publishWheelhouse(resolve(options.outDir), result.records, store, {
      hbuildVersion: HBUILD_VERSION,
      lock: { path: options.lockPath, sha256: await sha256File(loaded.path) },
      builder: { image: first.builder.image, rootfs: first.builder.rootfs, imageId: result.records.find((r) => !multi || r.target === first.target)?.builderImageId ?? '' },
      sourceDateEpoch: first.sourceDateEpoch,
    }, async (staging) => {
      const attested = await attestWheelhouse(staging, { keyPath: options.signingKey, limits });
      if (attested.generatedKey) options.emit({ type: 'log', level: 'info', message: `created signing key ${attested.keyPath}` });
    }, { signingKey: options.signingKey ?? null }, {
      requested: requestedPackages(loaded.lock),
      lockKeys: new Set(loaded.lock.packages.map((p) => normalizeName(p.name))),
      ...(multi ? { targets } : { platform: targets[0]!.platform }),
      warn: (message, details) => {
        options.log.warn(details, 'runtime dependency not built in this run');
        options.emit({ type: 'log', level: 'warn', message, details });
      },
    });
    if (outcome === 'up-to-date') options.log.info({ outDir: options.outDir }, 'wheelhouse already up to date');
    published = true;
  }
  const cached = result.records.filter((r) => r.cached).length;
  const statuses = result.failures.map(failureStatus);
  options.emit({
    type: 'run',
    status: runStatusFor(runExitCode(result.failures.map((f) => f.error.code), options.signal.aborted)),
    kind: 'build',
    ok: result.records.length,
    failed: statuses.filter((s) => s === 'failed').length,
    cached,
    skipped: statuses.filter((s) => s === 'skipped').length,
    cancelled: statuses.filter((s) => s === 'cancelled').length,
    seconds: Math.round(performance.now() - started) / 1000,
  });
  await sweep;
  return { ...result, published, recorded };
}

/** The run's derived builder images, shared by every package (one image per Debian package set). */
export function runImages(
  engine: Engine,
  base: { image: string; rootfs: string },
  sweep: Promise<unknown>,
  options: Pick<BuildLockOptions, 'images' | 'storeRoot' | 'log' | 'signal'> & { announce?: (message: string) => void },
): BuilderImages {
  return createBuilderImages({
    engine,
    base,
    ...(options.images?.dir ? { imagesDir: options.images.dir } : {}),
    imagesOut: options.images?.out ?? imagesOutFor(options.storeRoot),
    ...(options.images?.mirror ? { mirror: options.images.mirror } : {}),
    sweep,
    log: options.log,
    ...(options.announce ? { announce: options.announce } : {}),
    signal: options.signal,
  });
}

/** A lock with several targets: a package's events and failures name the target they are for. */
function tagTarget(emit: (event: HbuildEvent) => void, target: string): (event: HbuildEvent) => void {
  return (event) => emit(event.type === 'package' ? { ...event, target } : event);
}

function targetFailure(failure: PackageFailure, target: string): PackageFailure {
  failure.error.details.target ??= target;
  const prefix = `target ${target}: `;
  if (!failure.error.message.startsWith(prefix)) failure.error.message = `${prefix}${failure.error.message}`;
  return failure;
}

function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}


/** The engine and the pinned builder image on it, resolved once, on first use; leftovers of crashed runs are removed first. */
export function connectBuilder(engine: Engine, pin: { image: string; rootfs: string }, sweep: Promise<unknown>): BuilderConnection {
  let connected: Promise<{ engine: Engine; imageId: string }> | undefined;
  return () =>
    (connected ??= (async () => {
      await sweep;
      const image = await engine.resolveBuilderImage(pin);
      return { engine, imageId: image.imageId };
    })());
}

