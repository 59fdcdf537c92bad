import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ensureBuildEnv, verifiedBuildEnv, type BuildEnvMemo } from '../builder/build-env.js';
import { buildPackage, type WheelInput } from '../builder/build-package.js';
import type { ContainerLimits, Engine } from '../engine/index.js';
import { checkWheel } from '../check/wheel.js';
import { HbuildError, isHbuildError } from '../core/errors.js';
import type { HbuildEvent } from '../core/events.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { Slots } from '../core/slots.js';
import type { Store } from '../store/store.js';
import type { BuildOutcome } from './types.js';
import { variationFor, type Sentinels, type VariationName } from './variations.js';

/** What every verification build shares. */
export interface VerifySetup {
  engine: Engine;
  store: Store;
  imageId: string;
  /** The builder image's rootfs: build environments are byte-compiled for its Python. */
  builderRootfs: string;
  sourceDateEpoch: number;
  limits: ContainerLimits;
  /** Bounds the number of builds at a time; the run's build slots. */
  slots: Slots;
  /** Report directory: builds write under `builds/`. */
  runDir: string;
  sentinels: Sentinels;
  log: Logger;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
  /** Build environments found or made in this run, shared by its builds. */
  envs?: BuildEnvMemo;
}

/** What a package's recipe changes in each of its builds, as in a normal build. */
export interface RecipeBuild {
  env?: Record<string, string>;
  configSettings?: Record<string, string>;
  limits?: ContainerLimits;
}

/** A build outcome with where its files are while the run lasts. */
export interface LocalOutcome extends BuildOutcome {
  dir: string;
  wheelPath?: string;
}

export function packageBuildDir(setup: VerifySetup, pkg: PlannedPackage): string {
  return join(setup.runDir, 'builds', `${pkg.key}-${pkg.version}`.replace(/[^A-Za-z0-9._-]/g, '_'));
}

/**
 * One real container build (never the action cache) under the named
 * variations, its wheel checked like any other. A failed build is an outcome,
 * not an exception; only cancellation throws.
 */
export async function runVerifyBuild(
  setup: VerifySetup,
  pkg: PlannedPackage,
  sdistPath: string,
  requirementWheels: WheelInput[],
  label: string,
  variations: VariationName[],
  priority = 0,
  recipe: RecipeBuild = {},
): Promise<LocalOutcome> {
  const dir = join(packageBuildDir(setup, pkg), label);
  return setup.slots.run(
    async () => {
      setup.signal.throwIfAborted();
      // A reused report directory may hold an older run's build of the same label.
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      setup.emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'build', status: 'running', message: label });
      const started = performance.now();
      const seconds = (): number => Math.round(performance.now() - started) / 1000;
      try {
        const compiler = { rootfs: setup.builderRootfs, connect: async () => ({ engine: setup.engine, imageId: setup.imageId }), limits: setup.limits };
        const env = await ensureBuildEnv(setup.store, requirementWheels, compiler, setup.envs, setup.signal);
        const envPath = await verifiedBuildEnv(
          setup.store,
          env,
          requirementWheels,
          (err) => {
            setup.log.warn({ pkg: pkg.name, sha256: env.sha256, details: err.details }, 'build environment corrupt; installing it again');
          },
          compiler,
        );
        const built = await buildPackage(
          setup.engine,
          {
            name: pkg.name,
            version: pkg.version,
            sdistPath,
            buildEnv: { path: envPath, sha256: env.sha256 },
            imageId: setup.imageId,
            sourceDateEpoch: setup.sourceDateEpoch,
            limits: recipe.limits ?? setup.limits,
            ...(recipe.env ? { env: recipe.env } : {}),
            ...(recipe.configSettings ? { configSettings: recipe.configSettings } : {}),
            outDir: dir,
            logPath: join(dir, 'build.log'),
            labels: { 'org.hbuild.verify': label },
            ...(variations.length > 0 ? { variation: variationFor(variations, setup.sentinels) } : {}),
          },
          setup.signal,
        );
        await checkWheel(built.path, { name: pkg.name, version: pkg.version });
        if (variations.includes('time')) await assertPreloaded(join(dir, 'build.log'));
        setup.emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'build', status: 'done', message: `${label}: ${built.sha256.slice(0, 12)}` });
        return { label, variations, dir, wheelPath: built.path, wheel: { file: built.file, sha256: built.sha256, size: built.size }, seconds: seconds() };
      } catch (err) {
        if (setup.signal.aborted || isHbuildError(err, 'ERR_CANCELLED')) throw err;
        const error = describeError(err);
        setup.log.warn({ pkg: pkg.name, label, code: error.code }, 'verification build failed');
        // One build of several failed: the package's outcome is judged from all of them, later.
        setup.emit({ type: 'package', name: pkg.name, version: pkg.version, stage: 'build', status: 'done', message: `${label}: build failed: ${error.message}` });
        return { label, variations, dir, error, seconds: seconds() };
      }
    },
    { priority, signal: setup.signal },
  );
}

/** libfaketime that does not load leaves the time variation silently out of effect; that must not pass as reproducible. */
async function assertPreloaded(logPath: string): Promise<void> {
  const log = await readFile(logPath, 'utf8').catch(() => '');
  if (/libfaketime\S* from LD_PRELOAD cannot be preloaded/.test(log)) {
    throw new HbuildError('ERR_BUILD_FAILED', 'libfaketime could not be preloaded, so the time variation was not in effect', {
      hint: 'the builder image needs the libfaketime package (the default image has it), or leave the variation out with --variations -time',
    });
  }
}

function describeError(err: unknown): NonNullable<BuildOutcome['error']> {
  if (isHbuildError(err)) {
    const logTail = typeof err.details.logTail === 'string' ? err.details.logTail : undefined;
    return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), ...(logTail ? { logTail } : {}) };
  }
  return { code: 'ERR_INTERNAL', message: err instanceof Error ? err.message : String(err) };
}
