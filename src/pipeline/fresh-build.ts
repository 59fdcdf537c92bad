import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildPackage } from '../builder/build-package.js';
import { hostKey } from '../engine/container.js';
import type { ContainerLimits } from '../engine/container-limits.js';
import { checkWheel } from '../check/wheel.js';
import { isHbuildError } from '../core/errors.js';
import type { PackageStage } from '../core/events.js';
import type { FetchedSdist } from '../fetch/fetch-sdist.js';
import type { InspectResult } from '../inspect/sdist.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { LoadedRecipe } from '../recipe/read-recipe.js';
import type { BuildSetup } from './build-step.js';
import { judge, keepRejected, remember } from '../builder/action-cache.js';
import type { PackageRecord } from '../wheelhouse/package-record.js';

export interface FreshBuild {
  setup: BuildSetup;
  pkg: PlannedPackage;
  prepared: { fetched: FetchedSdist; inspected: InspectResult; recipe: LoadedRecipe | null };
  deps: PackageRecord[];
  limits: ContainerLimits;
  configSettings: Record<string, string>;
  digest: string;
  base: Omit<PackageRecord, 'builderImageId' | 'log' | 'wheel' | 'verdict' | 'cached' | 'timings'>;
  timings: Record<string, number>;
  onStage: (stage: PackageStage) => void;
  event: (stage: PackageStage, status: 'running' | 'done' | 'cached', message?: string) => void;
}

/** Build in a fresh container, check the wheel, judge it against its pin, and remember it. */
export async function buildFresh(job: FreshBuild): Promise<PackageRecord> {
  const { setup, pkg, deps, limits, configSettings, digest, base, timings, onStage, event } = job;
  const { fetched, inspected, recipe } = job.prepared;
  const { store, log } = setup;
  onStage('build');
  event('build', 'running');
  const { docker, imageId } = await setup.engine();
  const scratch = await store.scratchDir(`${pkg.key}-${pkg.version}`);
  try {
    const logPath = join(scratch, 'build.log');
    const started = performance.now();
    let built;
    try {
      built = await buildPackage(
        docker,
        {
          name: pkg.name,
          version: pkg.version,
          sdistPath: fetched.path,
          requirementWheels: deps.map((d) => ({ file: d.wheel.file, size: d.wheel.size, path: store.blobPath('wheels', d.wheel.sha256) })),
          imageId,
          sourceDateEpoch: setup.plan.sourceDateEpoch,
          env: recipe?.recipe.env,
          configSettings,
          limits,
          outDir: scratch,
          logPath,
          labels: ownerLabels(),
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
      if (isHbuildError(err, 'ERR_WHEEL_UNPINNED')) await remember(setup, { inputDigest: digest, wheel, log: logRef, treeDigest: inspected.treeDigest, builderImageId: imageId, seconds: built.seconds }, built.path);
      await keepRejected(setup, pkg, built.path, built.file, logPath);
      throw err;
    }
    await remember(setup, { inputDigest: digest, wheel, log: logRef, treeDigest: inspected.treeDigest, builderImageId: imageId, seconds: built.seconds }, built.path);
    timings.check = Math.round(performance.now() - checkStart) / 1000;
    event('check', 'done', wheel.sha256.slice(0, 12));
    log.info({ pkg: pkg.name, version: pkg.version, wheel: wheel.file, sha256: wheel.sha256, inputDigest: digest }, 'wheel accepted');
    return { ...base, builderImageId: imageId, log: logRef, wheel, verdict, cached: false, timings };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Labels that let a later run find and remove containers this process leaves behind if it dies. */
export function ownerLabels(): Record<string, string> {
  return { 'org.hbuild.owner-pid': String(process.pid), 'org.hbuild.owner-host': hostKey() };
}
