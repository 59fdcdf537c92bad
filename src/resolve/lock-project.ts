import { basename, resolve } from 'node:path';
import { createEngine, DEFAULT_LIMITS, sweepLeftovers } from '../engine/index.js';
import { HbuildError } from '../core/errors.js';
import { normalizeName } from '../core/pep503.js';
import { readLockFile } from '../lockfile/read-file.js';
import { requestedPackages, type RequestedPackage } from '../lockfile/inputs.js';
import { parseLock, type LoadedLock } from '../lockfile/read.js';
import { DEFAULT_SOURCE_DATE_EPOCH } from '../lockfile/schema.js';
import { openStore } from '../store/store.js';
import { closeLock } from './closure.js';
import { createIndexView, indexConfig } from '../fetch/index-view.js';
import { addPins, readLockInput } from './input/read-input.js';
import type { InputPin, LockInput } from './input/types.js';
import { loadNetrc } from '../fetch/netrc.js';
import { renderLock } from './output/render-lock.js';
import { updateLockText } from './output/update-text.js';
import { assertReadsBack, writeLockText } from './output/write-lock.js';
import { lockPolicy } from './policy.js';
import { createDockerProbe } from './probe/docker-probe.js';
import { inputProblems } from './input-problems.js';
import type { BuildProbe, LockedPackage } from './types.js';
import { runImages } from '../pipeline/build-lock.js';
import type { BuilderImages } from '../pipeline/builder-images.js';
import { debianPackages, recipeBuildRequires, recipeReader } from '../recipe/read-recipe.js';
import { lockTargetsProject } from './lock-targets.js';
import type { LockOptions } from './lock-options.js';
import { platformOf } from '../pipeline/targets.js';

export type { LockOptions } from './lock-options.js';


export interface LockResult {
  text: string;
  /** The lock file differs (or would differ, with `check`) from what was there. */
  changed: boolean;
  written: boolean;
  packages: LockedPackage[];
  skipped: LockInput['skipped'];
}

/** `hbuild lock`: input → pins → build closure → lock text, written only when it changed (never with `check`). */
export async function lockProject(options: LockOptions): Promise<LockResult> {
  const lockPath = resolve(options.lockPath);
  if ((options.input === undefined) === (options.add === undefined || options.add.length === 0)) {
    throw new HbuildError('ERR_USAGE', 'give either an input file or --add name==version', { hint: 'hbuild lock requirements.txt, or hbuild lock --add name==version' });
  }
  const existing = await readExisting(lockPath);
  if ((options.targets !== undefined && options.targets.length > 0) || existing?.lock.targets !== undefined) return lockTargetsProject(options, lockPath, existing, { recordedInputs, lockedRoots, pinBuilderImages, lazyProbe, previousVersions, rustToolchainFrom, extraRequiresFrom });
  // The builder image's Python (its recipe's python:) is what markers and Requires-Python are evaluated for.
  const platform = await platformOf(existing?.lock.builder?.image ?? options.builder?.image ?? 'default', options.images?.dir, false);
  const input = options.input !== undefined ? await readLockInput(options.input, platform) : addPins(options.add!);
  if (input.problems.length > 0) throw inputProblems(input.problems);
  if (options.add && !existing) throw new HbuildError('ERR_USAGE', `--add extends an existing lock, and ${lockPath} does not exist`, { hint: 'create it first: hbuild lock requirements.txt' });
  const roots = options.input !== undefined ? input.pins : [...lockedRoots(existing!, input.pins), ...input.pins];

  if (roots.length === 0) throw new HbuildError('ERR_USAGE', 'the input pins no package for the builder', { hint: `check the input; entries whose marker is false for linux x86_64 CPython ${platform.python} are skipped` });
  const indexes = options.indexUrls.map(indexConfig);
  if (indexes.length === 0) throw new HbuildError('ERR_USAGE', 'no index configured', { hint: 'pass --index-url' });
  const credentialsFor = options.credentialsFor ?? (await loadNetrc());
  const view = createIndexView(indexes, options.signal, credentialsFor);
  const store = await openStore(options.storeRoot);
  const policy = lockPolicy(existing, options, indexes);

  let builder = existing?.lock.builder ?? (options.builder?.rootfs ? { image: options.builder.image ?? 'default', rootfs: options.builder.rootfs } : undefined);
  // Leftovers of crashed runs are swept meanwhile; Docker is otherwise reached only when a hook or build first has to run.
  // The runtime: --runtime, else the existing lock's settings.runtime, else runc.
  const engine = options.probe ? undefined : (options.engine ?? createEngine()).withDefaultRuntime(existing?.lock.settings?.runtime);
  const sweep = engine ? sweepLeftovers(engine, options.log) : Promise.resolve(0);
  const recipesDir = resolve(options.recipesDir ?? resolve(lockPath, '..', 'recipes'));
  let images: Promise<BuilderImages> | undefined;
  const imagesFor = (): Promise<BuilderImages> =>
    (images ??= (async () => {
      if (!engine) throw new Error('lockProject: no engine for derived builder images');
      const pin = (builder ??= await engine.localBuilderPin(options.builder?.image ?? 'default'));
      return runImages(engine, pin, sweep, { images: options.images, storeRoot: options.storeRoot, log: options.log, signal: options.signal, ...(options.progress ? { announce: options.progress } : {}) });
    })());
  const probe =
    options.probe ??
    lazyProbe(async () => {
      await sweep;
      if (!engine) throw new Error('lockProject: no engine to probe with');
      const pin = (builder ??= await engine.localBuilderPin(options.builder?.image ?? 'default'));
      const image = await engine.resolveBuilderImage(pin);
      return createDockerProbe({
        engine,
        store,
        image: { imageId: image.imageId, rootfs: pin.rootfs },
        images: await imagesFor(),
        sourceDateEpoch: existing?.lock.settings?.['source-date-epoch'] ?? DEFAULT_SOURCE_DATE_EPOCH,
        recipesDir,
        limits: DEFAULT_LIMITS,
        log: options.log,
        emit: options.emit,
        signal: options.signal,
      });
    });

  const packages = await closeLock(roots, {
    pin: { view, store, signal: options.signal, ...policy.pinRules, target: { platform } },
    probe,
    platform,
    previous: previousVersions(existing?.lock.packages ?? []),
    extraRequires: extraRequiresFrom(recipesDir),
    progress: options.progress,
    rustToolchain: rustToolchainFrom(recipesDir),
  });

  if (engine) await pinBuilderImages(packages, recipesDir, existing?.lock.packages ?? [], imagesFor);
  if (!builder) throw new HbuildError('ERR_USAGE', 'a new lock needs a builder rootfs digest', { hint: 'pass --builder-rootfs sha256:…' });
  const inputs = recordedInputs(existing?.lock, options.input !== undefined, input.pins);
  const text = existing
    ? updateLockText(existing.text, existing.loaded, packages, inputs)
    : renderLock({ source: options.input ? basename(options.input) : '--add', builder, inputs: inputs ?? [], packages });
  assertReadsBack(text, lockPath, packages, inputs);
  const changed = text !== existing?.text;
  if (changed && !options.check) await writeLockText(lockPath, text, existing?.mode);
  await sweep;
  return { text, changed, written: changed && !options.check, packages, skipped: input.skipped };
}

export type ExistingLock = { text: string; mode: number; loaded: LoadedLock; lock: LoadedLock['lock'] };

export async function readExisting(lockPath: string): Promise<{ text: string; mode: number; loaded: LoadedLock; lock: LoadedLock['lock'] } | undefined> {
  try {
    const { text, mode } = await readLockFile(lockPath);
    const loaded = parseLock(text, lockPath);
    return { text, mode, loaded, lock: loaded.lock };
  } catch (err) {
    if (err instanceof HbuildError && err.code === 'ERR_USAGE' && /ENOENT/.test(err.message)) return undefined;
    throw err;
  }
}

/**
 * What the lock records as asked for: the input file's pins. With --add, the lock's
 * record plus the added pins; a lock that records none (written before `inputs`) keeps
 * recording none, so every package still counts as asked for.
 */
export function recordedInputs(existing: LoadedLock['lock'] | undefined, fromFile: boolean, pins: readonly InputPin[]): RequestedPackage[] | undefined {
  const added = pins.map((p) => ({ key: p.key, extras: p.extras ?? [] }));
  if (fromFile) return added;
  const before = existing === undefined ? undefined : requestedPackages(existing);
  if (before === undefined) return undefined;
  const replaced = new Set(added.map((a) => a.key));
  return [...before.filter((b) => !replaced.has(b.key)), ...added];
}

/** The versions the current lock holds, by name, newest entry last as written. */
/** Build requirements a package's recipe adds (auditwheel, when it repairs the wheel). */
function extraRequiresFrom(recipesDir: string): (pinned: { name: string }) => Promise<readonly string[]> {
  let recipes: ReturnType<typeof recipeReader> | undefined;
  return async (pinned) => recipeBuildRequires(await (await (recipes ??= recipeReader(recipesDir)))(pinned.name));
}

/** Whether a package's recipe gives its builds Debian's Rust toolchain (cargo and rustc). */
function rustToolchainFrom(recipesDir: string): (key: string) => Promise<boolean> {
  let recipes: ReturnType<typeof recipeReader> | undefined;
  return async (key) => {
    const wanted = debianPackages(await (await (recipes ??= recipeReader(recipesDir)))(key));
    return wanted.includes('cargo') && wanted.includes('rustc');
  };
}

function previousVersions(packages: ReadonlyArray<{ name: string; version: string }>): Map<string, string[]> {
  const previous = new Map<string, string[]>();
  for (const p of packages) previous.set(normalizeName(p.name), [...(previous.get(normalizeName(p.name)) ?? []), p.version]);
  return previous;
}

/**
 * With --add, the current lock's packages stay pinned as they are, except those being
 * re-pinned. A name the lock holds several versions of is a build requirement only (an
 * input has one version): it is resolved again, preferring the versions the lock holds.
 */
export function lockedRoots(existing: { lock: LoadedLock['lock']; loaded: LoadedLock }, added: readonly InputPin[]): InputPin[] {
  const replaced = new Set(added.map((p) => p.key));
  const versions = previousVersions(existing.lock.packages);
  return existing.lock.packages
    .filter((p) => !replaced.has(normalizeName(p.name)) && versions.get(normalizeName(p.name))!.length === 1)
    .map((p) => ({
      name: p.name,
      key: normalizeName(p.name),
      version: p.version,
      hashes: [],
      sdistSha256: p.sdist.sha256,
      origin: { file: existing.loaded.path, line: existing.loaded.lines.get(normalizeName(p.name)) ?? 0 },
    }));
}

/**
 * Pin the derived builder image of every package whose recipe names Debian packages: the
 * existing lock's pin while it names the same set, else the image found or built now.
 */
export async function pinBuilderImages(
  packages: LockedPackage[],
  recipesDir: string,
  previous: ReadonlyArray<{ name: string; 'builder-image'?: { 'debian-packages': string[]; rootfs: string } }>,
  imagesFor: () => Promise<BuilderImages>,
): Promise<void> {
  const read = await recipeReader(recipesDir);
  const pins = new Map(previous.map((p) => [normalizeName(p.name), p['builder-image']]));
  for (const pkg of packages) {
    const wanted = debianPackages(await read(pkg.name));
    if (wanted.length === 0) continue;
    const old = pins.get(pkg.name);
    const same = old !== undefined && old['debian-packages'].join(' ') === wanted.join(' ');
    const image = await (await imagesFor()).forPackage(pkg.name, wanted, same ? { packages: old['debian-packages'], rootfs: old.rootfs } : undefined, true);
    pkg.builderImage = { packages: image.packages, rootfs: image.rootfs };
  }
}

export function lazyProbe(create: () => Promise<BuildProbe>): BuildProbe {
  let probe: Promise<BuildProbe> | undefined;
  const get = (): Promise<BuildProbe> => (probe ??= create());
  return {
    dynamicRequires: async (target, env) => (await get()).dynamicRequires(target, env),
    buildWheel: async (target, packages) => (await get()).buildWheel(target, packages),
  };
}
