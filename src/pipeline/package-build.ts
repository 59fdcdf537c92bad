import { normalizeName } from '../core/pep503.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { keepRejected, remember, reuse } from '../builder/action-cache.js';
import { ensureBuildEnv, verifiedBuildEnv, type BuildEnv, type BuildEnvMemo, type EnvCompiler, type EnvWheel } from '../builder/build-env.js';
import { buildPackage } from '../builder/build-package.js';
import { describeBuild, type BuildFrame } from '../builder/describe-build.js';
import { inputDigest } from '../builder/input-digest.js';
import { judgePin } from '../check/pin.js';
import { checkWheel } from '../check/wheel.js';
import { assertRepairTook, wheelLibraries } from '../check/wheel-libraries.js';
import { debianPackages } from '../recipe/read-recipe.js';
import type { BuilderImage, BuilderImages } from './builder-images.js';
import { diskFullError, HbuildError, isHbuildError } from '../core/errors.js';
import type { HbuildEvent, PackageStage } from '../core/events.js';
import type { Engine } from '../engine/index.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { BuildAction } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { PackageRecord } from '../wheelhouse/package-record.js';
import type { PreparedSdist } from './prepare.js';
import type { TaskContext } from './scheduler.js';

/** The builder: an engine and the pinned builder image on it, resolved on first use (a fully cached run needs neither). */
export type BuilderConnection = () => Promise<{ engine: Engine; imageId: string }>;

/** Everything one package's build shares with the rest of its run. */
export interface BuildContext {
  store: Store;
  builder: BuilderConnection;
  /** Derived builder images for recipes with `debian-packages`; without it such a recipe is refused. */
  images?: BuilderImages;
  frame: BuildFrame;
  record: boolean;
  /** Build environments found or made in this run, shared by its builds. */
  envs?: BuildEnvMemo;
  /** Given, exited build containers are removed while the next build runs; the run awaits these before it returns. */
  removals?: Array<Promise<void>>;
  log: Logger;
  emit: (event: HbuildEvent) => void;
}

/** One package ready to build: prepared, with the accepted wheels of its build requirements. */
export interface BuildJob {
  pkg: PlannedPackage;
  prepared: PreparedSdist;
  requirements: PackageRecord[];
  task: TaskContext<PackageRecord>;
}

/**
 * Build (or reuse) one package's wheel and judge it: a wheel is accepted only
 * when it is well-formed, names the locked project and version, and its sha256
 * equals the pin (or, with --record, when there is no pin yet). Cache hits take
 * no build slot; a real build takes the recipe's CPU weight of them.
 */
export async function buildAndCheck(context: BuildContext, job: BuildJob): Promise<PackageRecord> {
  const { store } = context;
  const { pkg, prepared, requirements, task } = job;
  const image = await builderImageFor(context, pkg, debianPackages(prepared.recipe));
  const frame = { ...context.frame, builderRootfs: image.rootfs, debianPackages: image.packages };
  const envWheels = requirements.map((d) => ({ file: d.wheel.file, sha256: d.wheel.sha256 }));
  // The environment is byte-compiled by the Python of the image the package builds in.
  const compiler: EnvCompiler = { rootfs: image.rootfs, connect: image.connect, limits: context.frame.limits };
  const buildEnv = await ensureBuildEnv(store, envWheels, compiler, context.envs, task.signal);
  const { limits, configSettings, repair, inputs } = describeBuild(
    frame,
    prepared,
    requirements.map((d) => ({ name: d.name, sha256: d.wheel.sha256 })),
    buildEnv,
  );
  const digest = inputDigest(inputs);
  const event = (stage: PackageStage, status: 'queued' | 'running' | 'done' | 'cached', message?: string, engine?: string): void =>
    context.emit({ type: 'package', name: pkg.name, version: pkg.version, stage, status, ...(message ? { message } : {}), ...(engine ? { engine } : {}) });
  const base: Omit<PackageRecord, 'builderImageId' | 'builderImage' | 'systemLibraries' | 'log' | 'wheel' | 'verdict' | 'cached' | 'timings'> = {
    name: pkg.name,
    version: pkg.version,
    sdist: { file: pkg.sdist.file, sha256: prepared.fetched.sha256, origin: prepared.fetched.origin },
    treeDigest: prepared.inspected.treeDigest,
    recipeDigest: prepared.recipe?.digest ?? null,
    builderRootfs: image.rootfs,
    ...(image.unpinned && image.packages.length > 0 ? { unpinnedBuilderImage: { packages: image.packages, rootfs: image.rootfs } } : {}),
    requirementWheels: requirements.map((d) => ({ name: d.name, file: d.wheel.file, sha256: d.wheel.sha256 })),
    buildEnv: { sha256: buildEnv.sha256, size: buildEnv.size },
    inputDigest: digest,
    vet: prepared.vet.summary,
  };
  const accept = async (action: Pick<BuildAction, 'builderImageId' | 'log' | 'wheel'>, cached: boolean, wheelPath: string): Promise<PackageRecord> => {
    const verdict = judgePin(pkg, action.wheel, context.record);
    const libraries = await image.libraries();
    const found = await wheelLibraries(wheelPath, action.wheel.file, libraries?.map ?? null);
    if (repair) assertRepairTook(action.wheel.file, found);
    return {
      ...base,
      builderImageId: action.builderImageId,
      builderImage: { name: image.name, debianPackages: image.packages, libraryMap: libraries?.digest ?? null },
      systemLibraries: found.system,
      ...(found.vendored.length > 0 ? { vendoredLibraries: found.vendored } : {}),
      log: action.log,
      wheel: action.wheel,
      verdict,
      cached,
      timings: task.timings,
    };
  };
  const fromCache = async (): Promise<PackageRecord | null> => {
    const cached = await reuse(context, digest, pkg.name);
    if (!cached) return null;
    const record = await accept(cached, true, store.blobPath('wheels', cached.wheel.sha256));
    event('build', 'cached');
    return record;
  };

  const hit = await fromCache();
  if (hit) return hit;
  event('build', 'queued');
  // Another process on this store may be building the same inputs: wait for it, then look again.
  const release = await store.lockBuild(digest, task.signal);
  try {
    // The build slot is held for the container's work only: the checks after it overlap the next build.
    const slot = <T>(fn: () => Promise<T>): Promise<T> =>
      task.slots.run(fn, { weight: prepared.recipe?.recipe.limits?.cpus ?? 1, signal: task.signal });
    return (await fromCache()) ?? (await buildFresh(context, job, { digest, limits, configSettings, repair, buildEnv, envWheels, compiler, event, accept, image, slot }));
  } finally {
    await release();
  }
}

interface FreshBuild {
  digest: string;
  limits: ReturnType<typeof describeBuild>['limits'];
  configSettings: Record<string, string>;
  repair: { platform: string } | undefined;
  buildEnv: BuildEnv;
  envWheels: EnvWheel[];
  compiler: EnvCompiler;
  event: (stage: PackageStage, status: 'running' | 'done', message?: string, engine?: string) => void;
  accept: (action: Pick<BuildAction, 'builderImageId' | 'log' | 'wheel'>, cached: boolean, wheelPath: string) => Promise<PackageRecord>;
  image: BuilderImage;
  /** Run the container part of the build holding its build slots. */
  slot: <T>(fn: () => Promise<T>) => Promise<T>;
}

/** The package's builder image: the base, unless its recipe names Debian packages (or the lock pins a derived image). */
async function builderImageFor(context: BuildContext, pkg: PlannedPackage, packages: string[]): Promise<BuilderImage> {
  if (context.images) return context.images.forPackage(pkg.name, packages, pkg.builderImage, context.record);
  if (packages.length > 0 || pkg.builderImage) {
    throw new HbuildError('ERR_USAGE', `${pkg.name}: its recipe asks for a derived builder image, which this command does not build in`, {
      hint: 'build it with hbuild build or hbuild lock',
    });
  }
  return {
    name: 'base',
    packages: [],
    rootfs: context.frame.builderRootfs,
    unpinned: false,
    connect: context.builder,
    libraries: async () => null,
  };
}

/** Build in a fresh container, check the wheel, judge it against its pin, and remember it; a full disk says where. */
async function buildFresh(context: BuildContext, job: BuildJob, build: FreshBuild): Promise<PackageRecord> {
  const { pkg, task } = job;
  task.setStage('build');
  const scratch = await context.store.scratchDir(`${normalizeName(pkg.name)}-${pkg.version}`);
  try {
    return await buildInScratch(context, job, build, scratch);
  } catch (err) {
    throw diskFullError(err, scratch) ?? err;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function buildInScratch(context: BuildContext, job: BuildJob, build: FreshBuild, scratch: string): Promise<PackageRecord> {
  const { store, log } = context;
  const { pkg, prepared, task } = job;
  const label = `${normalizeName(pkg.name)}-${pkg.version}`;
  const logPath = join(scratch, 'build.log');
  let started = performance.now();
  let built;
  let imageId: string;
  try {
    ({ built, imageId } = await build.slot(async () => {
      started = performance.now();
      build.event('build', 'running');
      const connected = await build.image.connect();
      return { built: await runContainer(context, job, build, scratch, logPath, connected), imageId: connected.imageId };
    }));
  } catch (err) {
    await keepFailedLog(context, logPath, err);
    throw err;
  } finally {
    task.timings.build = Math.round(performance.now() - started) / 1000;
  }
  const logBlob = await store.putFile('logs', logPath);
  const action: BuildAction = {
    inputDigest: build.digest,
    wheel: { file: built.file, sha256: built.sha256, size: built.size },
    log: { sha256: logBlob.sha256, droppedBytes: built.logDroppedBytes },
    treeDigest: prepared.inspected.treeDigest,
    builderImageId: imageId,
    buildEnv: { sha256: build.buildEnv.sha256 },
    seconds: built.seconds,
  };
  build.event('build', 'done', undefined, built.engine);

  task.setStage('check');
  const checkStart = performance.now();
  let record: PackageRecord;
  try {
    await checkWheel(built.path, { name: pkg.name, version: pkg.version }, { repair: build.repair ?? null });
    record = await build.accept(action, false, built.path);
  } catch (err) {
    // An unpinned wheel is kept in the store so that `--record` needs no rebuild; it is not published.
    if (isHbuildError(err, 'ERR_WHEEL_UNPINNED')) await remember(context, action, built.path);
    const kept = await keepRejected(context, label, built.path, built.file, logPath);
    if (err instanceof HbuildError) {
      err.details.rejectedDir = kept;
      err.message = `${err.message} (wheel and build log kept in ${kept})`;
    }
    throw err;
  }
  await remember(context, action, built.path);
  task.timings.check = Math.round(performance.now() - checkStart) / 1000;
  build.event('check', 'done', action.wheel.sha256.slice(0, 12), built.engine);
  log.info({ pkg: pkg.name, version: pkg.version, wheel: action.wheel.file, sha256: action.wheel.sha256, inputDigest: build.digest }, 'wheel accepted');
  return record;
}

/** The container part of a fresh build: its environment re-verified, then the build itself. */
async function runContainer(context: BuildContext, job: BuildJob, build: FreshBuild, scratch: string, logPath: string, connected: { engine: Engine; imageId: string }): ReturnType<typeof buildPackage> {
  const { store, log } = context;
  const { pkg, prepared, task } = job;
  const { engine, imageId } = connected;
  const envPath = await verifiedBuildEnv(store, build.buildEnv, build.envWheels, (err) => {
    log.warn({ pkg: pkg.name, sha256: build.buildEnv.sha256 }, 'build environment corrupt; installing it again');
    context.emit({ type: 'log', level: 'warn', message: `${pkg.name}: build environment was corrupt and is installed again`, details: err.details });
  }, build.compiler);
  return buildPackage(
    engine,
    {
      name: pkg.name,
      version: pkg.version,
      sdistPath: prepared.fetched.path,
      buildEnv: { path: envPath, sha256: build.buildEnv.sha256 },
      imageId,
      sourceDateEpoch: context.frame.sourceDateEpoch,
      env: prepared.recipe?.recipe.env,
      configSettings: build.configSettings,
      ...(build.repair ? { repair: build.repair } : {}),
      limits: build.limits,
      outDir: scratch,
      logPath,
      slots: prepared.recipe?.recipe.limits?.cpus ?? 1,
      onEngine: (engine) => build.event('build', 'running', undefined, engine),
      ...(context.removals ? { deferRemoval: (removal: Promise<void>) => void context.removals!.push(removal) } : {}),
    },
    task.signal,
  );
}

/**
 * A failed, timed-out or refused build keeps its (capped) log in the store, and the
 * failure names the file: the terminal shows only its last lines.
 */
async function keepFailedLog(context: BuildContext, logPath: string, err: unknown): Promise<void> {
  if (!(err instanceof HbuildError) || err.code === 'ERR_CANCELLED') return;
  const kept = await context.store.putFile('logs', logPath).catch(() => null);
  if (!kept) return;
  const path = context.store.blobPath('logs', kept.sha256);
  err.details.logPath = path;
  err.details.logSha256 = kept.sha256;
  err.message = `${err.message} (build log: ${path})`;
}
