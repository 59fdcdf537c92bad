import { availableParallelism } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { connectDocker, type EngineAddress } from '../engine/connect.js';
import { DEFAULT_LIMITS, type ContainerLimits } from '../engine/container-limits.js';
import { HbuildError, isHbuildError } from '../core/errors.js';
import type { HbuildEvent } from '../core/events.js';
import { fetchSdist } from '../fetch/fetch-sdist.js';
import { resolveIndexUrl } from '../fetch/index-url.js';
import { resolveBuilderImage } from '../engine/image-resolve.js';
import { inspectSdist } from '../inspect/sdist.js';
import { planBuild, type PlannedPackage } from '../lockfile/plan.js';
import { readLock } from '../lockfile/read.js';
import { openStore } from '../store/store.js';
import { sha256File } from '../core/digest.js';
import { HBUILD_VERSION } from '../core/version.js';
import { readHistory, runBaseName, writeHistory } from './history.js';
import { overallOutcome, summarise } from './compare-builds.js';
import { packageHistory } from './regressions.js';
import { writeReports } from './report-files.js';
import { createRequirementBoard, settleFromControl, settleFromStore, type RequirementWheel } from './requirements.js';
import type { PackageVerification, VerifyResult } from './types.js';
import { makeSentinels, parseVariations, type VariationName } from './variations.js';
import type { VerifySetup } from './verify-build.js';
import { verifyPackage } from './verify-package.js';

export interface VerifyLockOptions {
  lockPath: string;
  storeRoot: string;
  jobs?: number;
  only?: string[];
  indexUrl?: string;
  sdistDirs: string[];
  docker: EngineAddress;
  limits?: Partial<ContainerLimits>;
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
  const plan = planBuild(loaded, options.only);
  const jobs = options.jobs ?? plan.jobs ?? Math.max(1, availableParallelism());
  const store = await openStore(options.storeRoot);
  const docker = await connectDocker(options.docker);
  const image = await resolveBuilderImage(docker, plan.builder);
  const lockSha256 = await sha256File(loaded.path);
  const startedAt = started.toISOString();
  const reportDir = resolve(options.reportDir ?? join(store.root, 'verify', runBaseName(startedAt, lockSha256)));
  await mkdir(reportDir, { recursive: true });
  const previous = await readHistory(store.root);
  let indexUrl: Promise<string> | undefined;
  const setup: VerifySetup = {
    docker,
    store,
    imageId: image.imageId,
    sourceDateEpoch: plan.sourceDateEpoch,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    queue: new PQueue({ concurrency: jobs }),
    runDir: reportDir,
    sentinels: makeSentinels(),
    log: options.log,
    emit: options.emit,
    signal: options.signal,
  };
  options.emit({ type: 'run', status: 'start', packages: plan.packages.length, jobs });

  const board = createRequirementBoard(plan.packages.map((p) => p.key));
  for (const pkg of plan.packages) await settleFromStore(board, store, pkg);
  const prepareQueue = new PQueue({ concurrency: Math.max(4, jobs) });
  const one = async (pkg: PlannedPackage): Promise<PackageVerification> => {
    let sdistSha256 = pkg.sdist.sha256;
    try {
      const sdist = await prepareQueue.add(async () => {
        const fetched = await fetchSdist(
          { ...pkg.sdist, name: pkg.name, version: pkg.version },
          { store, indexUrl: () => (indexUrl ??= resolveIndexUrl(options.indexUrl)), sdistDirs: options.sdistDirs.map((d) => resolve(d)), signal: options.signal },
        );
        await inspectSdist(fetched.path, { expect: { name: pkg.name, version: pkg.version } });
        return fetched;
      }, { throwOnTimeout: true });
      sdistSha256 = sdist.sha256;
      const wheels: RequirementWheel[] = [];
      for (const key of pkg.buildRequires) {
        const state = await board.wait(key);
        if (!state.ok) return unjudged(pkg, sdistSha256, 'inconclusive', `its build requirement ${key} has no usable wheel: ${state.reason}`);
        wheels.push(state.wheel);
      }
      return await verifyPackage(setup, pkg, sdist, wheels, variations, (control) => settleFromControl(board, store, pkg, control));
    } catch (err) {
      if (options.signal.aborted) return unjudged(pkg, sdistSha256, 'inconclusive', 'cancelled');
      if (!isHbuildError(err)) throw err;
      return unjudged(pkg, sdistSha256, 'failed', err.message);
    }
  };
  const settled = async (pkg: PlannedPackage): Promise<PackageVerification> => {
    try {
      const verified = await one(pkg);
      const status = verified.status === 'identical' ? 'done' : verified.status === 'inconclusive' ? 'skipped' : 'failed';
      options.emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'check', status, message: `${verified.status}: ${verified.reason}` });
      return verified;
    } finally {
      board.settle(pkg.key, { ok: false, reason: `${pkg.name} was not verified` });
    }
  };
  const packages = await Promise.all(plan.packages.map(settled));
  if (options.signal.aborted) throw new HbuildError('ERR_CANCELLED', 'verification cancelled');

  for (const p of packages) {
    p.history = packageHistory(previous, { name: p.name, version: p.version, sdistSha256: p.sdist.sha256 }, { status: p.status, startedAt });
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
    builder: { image: plan.builder.image, rootfs: plan.builder.rootfs, imageId: image.imageId },
    sourceDateEpoch: plan.sourceDateEpoch,
    variations,
    sentinels: setup.sentinels,
    outcome: overallOutcome(summary),
    summary,
    packages,
    reportDir,
    historyPath: '',
  };
  result.historyPath = await writeHistory(store.root, result);
  await writeReports(result);
  options.emit({ type: 'run', status: result.outcome === 'reproducible' ? 'done' : 'failed', ok: summary.identical, failed: summary.total - summary.identical, cached: 0, seconds: result.seconds });
  options.log.info({ outcome: result.outcome, summary, reportDir, history: result.historyPath }, 'verification finished');
  return result;
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
