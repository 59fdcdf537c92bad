import { availableParallelism } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { recipeLimits } from '../builder/describe-build.js';
import { HbuildError } from '../core/errors.js';
import type { HbuildEvent, PackageStatus } from '../core/events.js';
import { sha256File } from '../core/digest.js';
import { HBUILD_VERSION } from '../core/version.js';
import { DEFAULT_LIMITS, type ContainerLimits, type Engine } from '../engine/index.js';
import { checkLocalPaths } from '../lockfile/local-paths.js';
import { planBuild, type Plan, type PlannedPackage } from '../lockfile/plan.js';
import { isMultiTarget, selectTargets } from '../lockfile/targets.js';
import { readLock } from '../lockfile/read.js';
import { openStore } from '../store/store.js';
import { overallOutcome, summarise } from '../verify/compare-builds.js';
import { readHistory, runBaseName, writeHistory } from '../verify/history.js';
import { packageHistory } from '../verify/regressions.js';
import { writeReports } from '../verify/report-files.js';
import { requirementFromControl, requirementFromStore, type RequirementState, type RequirementWheel } from '../verify/requirements.js';
import type { PackageVerification, VerifyResult } from '../verify/types.js';
import { makeSentinels, parseVariations, type VariationName } from '../verify/variations.js';
import type { LocalOutcome, VerifySetup } from '../verify/verify-build.js';
import { verifyPackage } from '../verify/verify-package.js';
import { DEFAULT_MIN_AGE_DAYS } from '../vet/verdict.js';
import type { VetMode } from '../vet/vet-step.js';
import { createPrepare, sourcesFor, type PreparedSdist } from './prepare.js';
import { runStatusFor } from '../core/exit-codes.js';
import { verifyExitCode } from './summary.js';
import { schedule, type PackageFailure, type RequirementOutcome, type TaskContext } from './scheduler.js';

export interface VerifyLockOptions {
  lockPath: string;
  storeRoot: string;
  jobs?: number;
  only?: string[];
  /** Verify only this target of a lock with several (`--target`); default: every target. */
  target?: string;
  indexUrl?: string;
  sdistDirs: string[];
  /** The container engine every rebuild runs on. Its runtime, if chosen, beats the lock's. */
  engine: Engine;
  limits?: Partial<ContainerLimits>;
  /** Per-package recipes; default: `recipes/` beside the lock file. */
  recipesDir?: string;
  /** Vetting, as for a build: `enforce` (default) does not rebuild what vetting blocks or the quarantine holds. */
  vet?: VetMode;
  minAgeDays?: number;
  /** Variation names, or a `--variations` string; default: every variation. */
  variations?: readonly VariationName[] | string;
  /** Where the report goes; default `<store>/verify/<time>-<lock digest>/`. */
  reportDir?: string;
  log: Logger;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
}

/**
 * `hbuild verify`: rebuild every locked package from its pins, once as
 * standard and once under variations, and explain any difference. Never uses
 * the action cache, never publishes a wheelhouse, never writes the lock. The
 * run is recorded in `<store>/verify/`; the CLI and the daemon both call this.
 */
export async function verifyLock(options: VerifyLockOptions): Promise<VerifyResult> {
  const started = new Date();
  const variations = parseVariations(typeof options.variations === 'string' ? options.variations : options.variations ? [...options.variations] : undefined);
  const loaded = await readLock(resolve(options.lockPath));
  const multi = isMultiTarget(loaded.lock);
  const plans = selectTargets(loaded.lock, options.target, loaded.path).map((t) => planBuild(loaded, options.only, t.name));
  await checkLocalPaths(loaded, options.sdistDirs);
  const jobs = options.jobs ?? options.engine.slots ?? plans[0]!.jobs ?? Math.max(1, availableParallelism());
  const store = await openStore(options.storeRoot);
  // --runtime beats the lock's settings.runtime.
  const engine = options.engine.withDefaultRuntime(loaded.lock.settings?.runtime);
  const stale = await engine.sweepStale();
  if (stale > 0) options.log.warn({ removed: stale }, 'removed containers left by a crashed hbuild');
  const lockSha256 = await sha256File(loaded.path);
  const startedAt = started.toISOString();
  const reportDir = resolve(options.reportDir ?? join(store.root, 'verify', runBaseName(startedAt, lockSha256)));
  await mkdir(reportDir, { recursive: true });
  const previous = await readHistory(store.root);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const envs = new Map();
  const sentinels = makeSentinels();
  const prepare = createPrepare({
    store,
    ...sourcesFor(loaded.dir, options),
    vet: { mode: options.vet ?? 'enforce', minAgeDays: options.minAgeDays ?? DEFAULT_MIN_AGE_DAYS },
    emit: options.emit,
  });
  options.emit({ type: 'run', status: 'start', kind: 'verify', packages: plans.reduce((n, p) => n + p.packages.length, 0), jobs });
  const runStart = performance.now();
  const packages: PackageVerification[] = [];
  const images: Array<{ imageId: string }> = [];
  // Targets are an outer loop: each rebuilds its packages in its own builder image, against its own pins.
  for (const plan of plans) {
    const image = await engine.resolveBuilderImage(plan.builder);
    images.push(image);
    const emit = multi ? (event: HbuildEvent): void => options.emit(event.type === 'package' ? { ...event, target: plan.target } : event) : options.emit;
    const verified = await verifyTarget(plan, image.imageId, emit);
    packages.push(...(multi ? verified.map((p) => ({ ...p, target: plan.target })) : verified));
    if (options.signal.aborted) break;
  }

  async function verifyTarget(plan: Plan, imageId: string, emit: (event: HbuildEvent) => void): Promise<PackageVerification[]> {
    const setupFor = (slots: VerifySetup['slots'], signal: AbortSignal): VerifySetup => ({
      engine,
      store,
      imageId,
      builderRootfs: plan.builder.rootfs,
      sourceDateEpoch: plan.sourceDateEpoch,
      limits,
      slots,
      runDir: reportDir,
      sentinels,
      log: options.log,
      emit,
      signal,
      envs,
    });

    const reported = (verified: PackageVerification): PackageVerification => {
      const cancelled = options.signal.aborted && verified.status === 'inconclusive';
      const { status, word } = cancelled ? { status: 'cancelled' as const, word: 'cancelled' } : verdictOf(verified);
      emit({ type: 'package', name: verified.name, version: verified.version, stage: 'check', status, message: cancelled ? word : `${word}: ${verified.reason}` });
      return verified;
    };
    const unjudgedFailure = (pkg: PlannedPackage, failure: PackageFailure): PackageVerification => {
      const cancelled = options.signal.aborted || failure.error.code === 'ERR_CANCELLED';
      return unjudged(pkg, pkg.sdist.sha256, cancelled ? 'inconclusive' : 'failed', cancelled ? 'cancelled' : failure.error.message);
    };
    const verifyOne = async (
      pkg: PlannedPackage,
      prepared: PreparedSdist,
      requirements: Array<RequirementOutcome<RequirementState>>,
      context: TaskContext<RequirementState>,
    ): Promise<PackageVerification> => {
      const wheels: RequirementWheel[] = [];
      for (const r of requirements) {
        const state: RequirementState = r.ok ? r.value : { ok: false, reason: r.reason };
        if (!state.ok) return unjudged(pkg, prepared.fetched.sha256, 'inconclusive', `its build requirement ${r.key} has no usable wheel: ${state.reason}`);
        wheels.push(state.wheel);
      }
      const recipe = prepared.recipe?.recipe;
      if (recipe?.['debian-packages'] !== undefined) {
        return unjudged(pkg, prepared.fetched.sha256, 'inconclusive', 'its recipe names Debian packages, and hbuild verify rebuilds only in the base builder image (derived images are not supported there yet)');
      }
      const sdist = {
        path: prepared.fetched.path,
        sha256: prepared.fetched.sha256,
        recipe: {
          ...(recipe?.env ? { env: recipe.env } : {}),
          ...(recipe?.['config-settings'] ? { configSettings: recipe['config-settings'] } : {}),
          limits: recipeLimits(limits, prepared.recipe),
        },
      };
      const offerControl = async (control: LocalOutcome): Promise<void> => context.provide(await requirementFromControl(store, pkg, control));
      return verifyPackage(setupFor(context.slots, context.signal), pkg, sdist, wheels, variations, offerControl);
    };

    const failed = new Map<string, PackageVerification>();
    const outcomes = await schedule<PreparedSdist, PackageVerification, RequirementState>(
      plan,
      {
        async prepare(pkg, context) {
          // A pinned wheel already in the store is what dependents build with, as in a normal build: they need not wait.
          const stored = await requirementFromStore(store, pkg);
          if (stored) context.provide(stored);
          return prepare(pkg, context);
        },
        act: async (pkg, prepared, requirements, context) => reported(await verifyOne(pkg, prepared, requirements, context)),
        offer: (verified) => ({ ok: false, reason: `${verified.name} was not verified` }),
        onFailure: (failure, pkg) => failed.set(pkg.key, reported(unjudgedFailure(pkg, failure))),
      },
      { jobs, failFast: false, signal: options.signal, emit },
    );
    return outcomes.map((outcome) => (outcome.ok ? outcome.result : (failed.get(outcome.pkg.key) ?? unjudgedFailure(outcome.pkg, outcome.failure))));
  }
  if (options.signal.aborted) {
    const judged = summarise(packages);
    options.emit({
      type: 'run',
      status: 'cancelled',
      kind: 'verify',
      ok: judged.identical,
      failed: judged.failed,
      cached: 0,
      notReproducible: judged.notReproducible,
      pinMismatch: judged.pinMismatch,
      cancelled: judged.inconclusive,
      seconds: Math.round(performance.now() - runStart) / 1000,
    });
    throw new HbuildError('ERR_CANCELLED', 'verification cancelled');
  }

  for (const p of packages) {
    p.history = packageHistory(previous, { name: p.name, version: p.version, sdistSha256: p.sdist.sha256, ...(p.target ? { target: p.target } : {}) }, { status: p.status, startedAt });
  }
  const summary = summarise(packages);
  const finished = new Date();
  const result: VerifyResult = {
    format: 'hbuild-verify/1',
    startedAt,
    finishedAt: finished.toISOString(),
    seconds: Math.round(finished.getTime() - started.getTime()) / 1000,
    hbuildVersion: HBUILD_VERSION,
    lock: { path: loaded.path, sha256: lockSha256 },
    builder: { image: plans[0]!.builder.image, rootfs: plans[0]!.builder.rootfs, imageId: images[0]?.imageId ?? '' },
    ...(multi ? { targets: plans.map((p, i) => ({ name: p.target, image: p.builder.image, rootfs: p.builder.rootfs, imageId: images[i]?.imageId ?? '' })) } : {}),
    sourceDateEpoch: plans[0]!.sourceDateEpoch,
    variations,
    sentinels,
    outcome: overallOutcome(summary),
    summary,
    packages,
    reportDir,
    historyPath: '',
  };
  result.historyPath = await writeHistory(store.root, result);
  await writeReports(result);
  options.emit({
    type: 'run',
    status: runStatusFor(verifyExitCode(result.outcome)),
    kind: 'verify',
    ok: summary.identical,
    failed: summary.failed,
    cached: 0,
    notReproducible: summary.notReproducible,
    pinMismatch: summary.pinMismatch,
    skipped: summary.inconclusive,
    seconds: result.seconds,
  });
  options.log.info({ outcome: result.outcome, summary, reportDir, history: result.historyPath }, 'verification finished');
  return result;
}

/** A judged package's status and the word for it; a pin mismatch fails, as in a build. */
function verdictOf(verified: PackageVerification): { status: PackageStatus; word: string } {
  if (verified.status === 'identical') return { status: 'done', word: 'reproducible' };
  if (verified.status === 'differed') return verified.reproducible ? { status: 'failed', word: 'differs from its pin' } : { status: 'not-reproducible', word: 'not reproducible' };
  if (verified.status === 'inconclusive') return { status: 'skipped', word: 'inconclusive' };
  return { status: 'failed', word: 'failed' };
}

function unjudged(pkg: PlannedPackage, sdistSha256: string, status: 'failed' | 'inconclusive', reason: string): PackageVerification {
  return {
    name: pkg.name,
    version: pkg.version,
    key: pkg.key,
    sdist: { file: pkg.sdist.file, sha256: sdistSha256 },
    status,
    reproducible: null,
    pin: pkg.wheel ? 'unknown' : 'unpinned',
    ...(pkg.wheel ? { pinned: { file: pkg.wheel.file, sha256: pkg.wheel.sha256 } } : {}),
    culprits: [],
    reason,
    builds: [],
    leaks: [],
  };
}
