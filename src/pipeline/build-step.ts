import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildPackage } from '../build/build-package.js';
import { buildCommand, buildEnvironment } from '../build/environment.js';
import { checkWheel } from '../check/wheel.js';
import { HbuildError, isHbuildError } from '../errors.js';
import type { PackageStage } from '../events.js';
import type { FetchedSdist } from '../fetch/fetch-sdist.js';
import type { InspectResult } from '../inspect/sdist.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import { inputDigest, type BuildInputs } from './input-digest.js';
import type { RunOptions } from './run.js';
import type { ActionRecord, PackageRecord } from './types.js';

export type BuildSetup = Pick<RunOptions, 'store' | 'docker' | 'image' | 'plan' | 'limits' | 'record' | 'log' | 'emit' | 'signal'>;

/**
 * Build (or reuse) one package's wheel and judge it: a wheel is accepted only
 * when it is well-formed, names the locked project and version, and its sha256
 * equals the pin (or, with --record, when there is no pin yet).
 */
export async function buildAndCheck(
  setup: BuildSetup,
  pkg: PlannedPackage,
  fetched: FetchedSdist,
  inspected: InspectResult,
  deps: PackageRecord[],
  timings: Record<string, number>,
  onStage: (stage: PackageStage) => void,
): Promise<PackageRecord> {
  const { store, emit, log } = setup;
  const event = (stage: PackageStage, status: 'running' | 'done' | 'cached', message?: string): void =>
    emit({ type: 'package', name: pkg.name, version: pkg.version, stage, status, ...(message ? { message } : {}) });
  const requirementWheels = deps.map((d) => ({ name: d.name, file: d.wheel.file, sha256: d.wheel.sha256 }));
  const env = buildEnvironment(setup.plan.sourceDateEpoch);
  const inputs: BuildInputs = {
    sdistSha256: fetched.sha256,
    treeDigest: inspected.treeDigest,
    recipeDigest: null,
    builderRootfs: setup.image.rootfs,
    requirementWheels: requirementWheels.map(({ name, sha256 }) => ({ name, sha256 })),
    env,
    command: buildCommand(),
    limits: { memoryBytes: setup.limits.memoryBytes, cpus: setup.limits.cpus, pids: setup.limits.pids, fileSizeBytes: setup.limits.fileSizeBytes },
  };
  const digest = inputDigest(inputs);
  const base = {
    name: pkg.name,
    version: pkg.version,
    sdist: { file: pkg.sdist.file, sha256: fetched.sha256, origin: fetched.origin },
    treeDigest: inspected.treeDigest,
    recipeDigest: null,
    builderRootfs: setup.image.rootfs,
    builderImageId: setup.image.imageId,
    requirementWheels,
    inputDigest: digest,
  };

  const cached = await reuse(setup, digest, pkg.name);
  if (cached) {
    const verdict = judge(pkg, cached.wheel, setup.record);
    event('build', 'cached');
    return { ...base, log: cached.log, wheel: cached.wheel, verdict, cached: true, timings };
  }

  onStage('build');
  event('build', 'running');
  const scratch = await store.scratchDir(`${pkg.key}-${pkg.version}`);
  try {
    const logPath = join(scratch, 'build.log');
    const started = performance.now();
    let built;
    try {
      built = await buildPackage(
        setup.docker,
        {
          name: pkg.name,
          version: pkg.version,
          sdistPath: fetched.path,
          requirementWheels: deps.map((d) => ({ file: d.wheel.file, size: d.wheel.size, path: store.blobPath('wheels', d.wheel.sha256) })),
          imageId: setup.image.imageId,
          sourceDateEpoch: setup.plan.sourceDateEpoch,
          limits: setup.limits,
          outDir: scratch,
          logPath,
          labels: { 'org.hbuild.owner-pid': String(process.pid), 'org.hbuild.owner-host': process.env.HOSTNAME ?? 'local' },
        },
        setup.signal,
      );
    } finally {
      timings.build = Math.round(performance.now() - started) / 1000;
    }
    const logBlob = await store.putFile('logs', logPath);
    const logRef = { sha256: logBlob.sha256, droppedBytes: built.logDroppedBytes };
    event('build', 'done');

    onStage('check');
    const checkStart = performance.now();
    try {
      await checkWheel(built.path, { name: pkg.name, version: pkg.version });
    } catch (err) {
      await keepRejected(setup, pkg, built.path, built.file, logPath);
      throw err;
    }
    const wheel = { file: built.file, sha256: built.sha256, size: built.size };
    let verdict: PackageRecord['verdict'];
    try {
      verdict = judge(pkg, wheel, setup.record);
    } catch (err) {
      // An unpinned wheel is kept in the store so that `--record` needs no rebuild; it is not published.
      if (isHbuildError(err, 'ERR_WHEEL_UNPINNED')) await remember(setup, digest, built.path, wheel, logRef, inspected, built.seconds);
      await keepRejected(setup, pkg, built.path, built.file, logPath);
      throw err;
    }
    await remember(setup, digest, built.path, wheel, logRef, inspected, built.seconds);
    timings.check = Math.round(performance.now() - checkStart) / 1000;
    event('check', 'done', wheel.sha256.slice(0, 12));
    log.info({ pkg: pkg.name, version: pkg.version, wheel: wheel.file, sha256: wheel.sha256, inputDigest: digest }, 'wheel accepted');
    return { ...base, log: logRef, wheel, verdict, cached: false, timings };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A previous identical build, if its wheel is still intact in the store. */
async function reuse(setup: BuildSetup, digest: string, name: string): Promise<ActionRecord | null> {
  const action = await setup.store.readAction<ActionRecord>(digest);
  if (!action || action.inputDigest !== digest) return null;
  try {
    const path = await setup.store.verifiedBlob('wheels', action.wheel.sha256, action.wheel.file);
    return path ? action : null;
  } catch (err) {
    if (!isHbuildError(err, 'ERR_STORE_CORRUPT')) throw err;
    setup.log.warn({ pkg: name, sha256: action.wheel.sha256 }, 'cached wheel corrupt; rebuilding');
    setup.emit({ type: 'log', level: 'warn', message: `${name}: cached wheel was corrupt and is rebuilt`, details: err.details });
    return null;
  }
}

function judge(pkg: PlannedPackage, wheel: { file: string; sha256: string }, record: boolean): PackageRecord['verdict'] {
  if (pkg.wheel) {
    if (pkg.wheel.sha256 === wheel.sha256 && pkg.wheel.file === wheel.file) return 'pinned-match';
    throw new HbuildError(
      'ERR_HASH_MISMATCH',
      `wheel of ${pkg.name} ${pkg.version} differs from its pin: expected ${pkg.wheel.file} sha256 ${pkg.wheel.sha256}, got ${wheel.file} sha256 ${wheel.sha256}; discarded`,
      {
        hint: 'the build is not reproducing the pinned wheel; the discarded wheel is kept under the store\'s rejected/ area for diffing (`hbuild verify` explains differences)',
        details: { expected: pkg.wheel.sha256, actual: wheel.sha256, expectedFile: pkg.wheel.file, actualFile: wheel.file },
      },
    );
  }
  if (record) return 'recorded';
  throw new HbuildError('ERR_WHEEL_UNPINNED', `wheel of ${pkg.name} ${pkg.version} has no pinned sha256 in the lock, so it cannot be verified (built ${wheel.file} sha256 ${wheel.sha256})`, {
    hint: 'review it, then run again with --record to write the first-seen wheel hashes into lock.yaml',
    details: { actual: wheel.sha256, actualFile: wheel.file },
  });
}

async function remember(
  setup: BuildSetup,
  digest: string,
  wheelPath: string,
  wheel: ActionRecord['wheel'],
  log: ActionRecord['log'],
  inspected: InspectResult,
  seconds: number,
): Promise<void> {
  await setup.store.putFile('wheels', wheelPath, { expected: wheel.sha256, what: wheel.file });
  const record: ActionRecord = { inputDigest: digest, wheel, log, treeDigest: inspected.treeDigest, seconds };
  await setup.store.writeAction(digest, record);
}

async function keepRejected(setup: BuildSetup, pkg: PlannedPackage, wheelPath: string, file: string, logPath: string): Promise<void> {
  const dir = await setup.store.rejectedDir(`${pkg.key}-${pkg.version}`);
  await rename(wheelPath, join(dir, file)).catch(() => undefined);
  await rename(logPath, join(dir, 'build.log')).catch(() => undefined);
  setup.log.warn({ pkg: pkg.name, dir }, 'build output rejected and kept for diffing');
}
