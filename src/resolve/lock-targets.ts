import { basename, resolve } from 'node:path';
import { createEngine, DEFAULT_LIMITS, sweepLeftovers, type Engine } from '../engine/index.js';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { createIndexView, indexConfig } from '../fetch/index-view.js';
import { loadNetrc } from '../fetch/netrc.js';
import { normalizeName } from '../core/pep503.js';
import type { RequestedPackage } from '../lockfile/inputs.js';
import { parseLock, type LoadedLock } from '../lockfile/read.js';
import { DEFAULT_SOURCE_DATE_EPOCH, type Lock } from '../lockfile/schema.js';
import { lockTargets, targetLock, type LockTarget } from '../lockfile/targets.js';
import { openStore } from '../store/store.js';
import { runImages } from '../pipeline/build-lock.js';
import type { BuilderImages } from '../pipeline/builder-images.js';
import { platformOf } from '../pipeline/targets.js';
import { closeLock } from './closure.js';
import type { LockOptions } from './lock-options.js';
import { canonicalRequires } from './output/update-text.js';
import { addPins, readLockInput } from './input/read-input.js';
import type { InputPin, LockInput } from './input/types.js';
import { inputProblems } from './input-problems.js';
import { renderTargetsLock, mergeTargets, type TargetResolution } from './output/render-targets.js';
import { writeLockText } from './output/write-lock.js';
import { lockPolicy } from './policy.js';
import { createDockerProbe } from './probe/docker-probe.js';
import type { BuildProbe, LockedPackage } from './types.js';

/** What `hbuild lock` takes, as lockProject has it (declared here so neither file imports the other's). */
/** lockProject's options, less what a lock with targets does not use (one builder, the lock path it is given apart). */
export type TargetsLockOptions = Omit<LockOptions, 'lockPath' | 'builder'>;

export interface ExistingLockText {
  text: string;
  mode: number;
  loaded: LoadedLock;
  lock: Lock;
}

/** lockProject's helpers, passed in: they stay in its file. */
export interface LockHelpers {
  recordedInputs(existing: Lock | undefined, fromFile: boolean, pins: readonly InputPin[]): RequestedPackage[] | undefined;
  lockedRoots(existing: { lock: Lock; loaded: LoadedLock }, added: readonly InputPin[]): InputPin[];
  pinBuilderImages(packages: LockedPackage[], recipesDir: string, previous: Lock['packages'], imagesFor: () => Promise<BuilderImages>): Promise<void>;
  lazyProbe(create: () => Promise<BuildProbe>): BuildProbe;
  previousVersions(packages: ReadonlyArray<{ name: string; version: string }>): Map<string, string[]>;
  rustToolchainFrom(recipesDir: string): (key: string) => Promise<boolean>;
  extraRequiresFrom(recipesDir: string): (pinned: { name: string }) => Promise<readonly string[]>;
}

export interface TargetsLockResult {
  text: string;
  changed: boolean;
  written: boolean;
  packages: LockedPackage[];
  skipped: LockInput['skipped'];
}

/**
 * `hbuild lock` for a lock with several targets: the input is read, and the closure run,
 * once per target with that target's platform (markers, Requires-Python) and builder
 * image (hooks, backend builds, derived images); the closures are merged into one lock.
 * A refusal names its target. A one-target lock given `--target` twice is migrated.
 */
export async function lockTargetsProject(options: TargetsLockOptions, lockPath: string, existing: ExistingLockText | undefined, helpers: LockHelpers): Promise<TargetsLockResult> {
  if ((options.input === undefined) === (options.add === undefined || options.add.length === 0)) {
    throw new HbuildError('ERR_USAGE', 'give either an input file or --add name==version', { hint: 'hbuild lock requirements.txt, or hbuild lock --add name==version' });
  }
  if (options.add && !existing) throw new HbuildError('ERR_USAGE', `--add extends an existing lock, and ${lockPath} does not exist`, { hint: 'create it first: hbuild lock requirements.txt --target py311=default --target py313=trixie' });
  const specs = targetSpecs(options.targets, existing?.lock);
  if (existing && !existing.lock.targets) options.progress?.(`migrating ${lockPath} from one builder to targets ${specs.map((s) => s.name).join(', ')}: the file is written anew (comments are not kept)`);

  const indexes = options.indexUrls.map(indexConfig);
  if (indexes.length === 0) throw new HbuildError('ERR_USAGE', 'no index configured', { hint: 'pass --index-url' });
  const view = createIndexView(indexes, options.signal, options.credentialsFor ?? (await loadNetrc()));
  const store = await openStore(options.storeRoot);
  const policy = lockPolicy(existing, options, indexes);
  const engine = options.probe ? undefined : (options.engine ?? createEngine()).withDefaultRuntime(existing?.lock.settings?.runtime);
  const sweep = engine ? sweepLeftovers(engine, options.log) : Promise.resolve(0);
  const recipesDir = resolve(options.recipesDir ?? resolve(lockPath, '..', 'recipes'));
  const sourceDateEpoch = existing?.lock.settings?.['source-date-epoch'] ?? DEFAULT_SOURCE_DATE_EPOCH;

  const resolutions: TargetResolution[] = [];
  const skipped: LockInput['skipped'] = [];
  const allPins: InputPin[] = [];
  for (const spec of specs) {
    const target = await pinTarget(spec, existing?.lock, engine);
    const platform = await platformOf(target.image, options.images?.dir, true);
    const previous = existing ? viewOf(existing.lock, target.name) : undefined;
    const input = options.input !== undefined ? await readLockInput(options.input, platform) : addPins(options.add!);
    if (input.problems.length > 0) throw named(inputProblems(input.problems), target.name);
    skipped.push(...input.skipped.map((s) => ({ ...s, marker: `${s.marker} (target ${target.name})` })));
    allPins.push(...input.pins);
    const roots = options.input !== undefined ? input.pins : [...helpers.lockedRoots({ lock: previous ?? { version: 1, packages: [] }, loaded: existing!.loaded }, input.pins), ...input.pins];
    options.progress?.(`target ${target.name} (${target.image}, CPython ${platform.python}): ${roots.length} pins`);
    let images: Promise<BuilderImages> | undefined;
    const imagesFor = (): Promise<BuilderImages> =>
      (images ??= (async () => {
        if (!engine) throw new Error('lockTargetsProject: no engine for derived builder images');
        return runImages(engine, target, sweep, { images: options.images, storeRoot: options.storeRoot, log: options.log, signal: options.signal, ...(options.progress ? { announce: options.progress } : {}) });
      })());
    const probe =
      options.probe ??
      helpers.lazyProbe(async () => {
        await sweep;
        if (!engine) throw new Error('lockTargetsProject: no engine to probe with');
        const image = await engine.resolveBuilderImage(target);
        return createDockerProbe({ engine, store, image: { imageId: image.imageId, rootfs: target.rootfs }, images: await imagesFor(), sourceDateEpoch, recipesDir, limits: DEFAULT_LIMITS, log: options.log, emit: options.emit, signal: options.signal });
      });
    const packages = roots.length === 0 ? [] : await closeLock(roots, {
      pin: { view, store, signal: options.signal, ...policy.pinRules, target: { name: target.name, platform } },
      probe,
      previous: helpers.previousVersions(previous?.packages ?? []),
      progress: options.progress ? (message) => options.progress!(`[${target.name}] ${message}`) : undefined,
      platform,
      rustToolchain: helpers.rustToolchainFrom(recipesDir),
      extraRequires: helpers.extraRequiresFrom(recipesDir),
    }).catch((err: unknown) => {
      throw isHbuildError(err) ? named(err, target.name) : err;
    });
    if (engine) await helpers.pinBuilderImages(packages, recipesDir, previous?.packages ?? [], imagesFor);
    resolutions.push({ target, packages });
  }
  if (resolutions.every((r) => r.packages.length === 0)) throw new HbuildError('ERR_USAGE', 'the input pins no package for any target', { hint: 'check the input; entries whose marker is false for a target are skipped for it' });

  const merged = mergeTargets(resolutions, existing?.lock);
  const unique = new Map(allPins.map((p) => [p.key, p]));
  const inputs = helpers.recordedInputs(existing?.lock, options.input !== undefined, [...unique.values()]);
  const text = renderTargetsLock({
    source: options.input ? basename(options.input) : '--add',
    targets: resolutions.map((r) => r.target),
    ...(existing?.lock.settings ? { settings: existing.lock.settings } : {}),
    inputs: inputs ?? [],
    packages: merged,
  });
  assertTargetsReadBack(text, lockPath, resolutions);
  const changed = text !== existing?.text;
  if (changed && !options.check) await writeLockText(lockPath, text, existing?.mode);
  await sweep;
  return { text, changed, written: changed && !options.check, packages: merged.map((m) => m.pkg), skipped };
}

/** The targets to lock for: `--target NAME=IMAGE` flags (two or more), else the existing lock's. */
function targetSpecs(given: TargetsLockOptions['targets'], existing: Lock | undefined): Array<{ name: string; image: string; rootfs?: string }> {
  if (given !== undefined && given.length > 0) {
    if (given.length < 2) throw new HbuildError('ERR_USAGE', 'one --target makes a lock with one target: give its image with --image instead', { hint: 'hbuild lock requirements.txt --target py311=default --target py313=trixie' });
    const names = given.map((t) => t.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new HbuildError('ERR_USAGE', `--target ${twice} is given twice`);
    return given;
  }
  return lockTargets(existing!).map((t) => ({ name: t.name, image: t.image }));
}

/** A target's rootfs: the existing lock's while it names the same image, else the local image's. */
async function pinTarget(spec: { name: string; image: string; rootfs?: string }, existing: Lock | undefined, engine: Engine | undefined): Promise<LockTarget> {
  if (spec.rootfs !== undefined) return { name: spec.name, image: spec.image, rootfs: spec.rootfs };
  const kept = existing?.targets?.find((t) => t.name === spec.name && t.image === spec.image) ?? (existing?.builder?.image === spec.image ? existing.builder : undefined);
  if (kept) return { name: spec.name, image: spec.image, rootfs: kept.rootfs };
  if (!engine) throw new HbuildError('ERR_USAGE', `target ${spec.name}: no rootfs pinned for image ${spec.image}, and no engine to read it from`);
  const pin = await engine.localBuilderPin(spec.image);
  return { name: spec.name, image: spec.image, rootfs: pin.rootfs };
}

/** What the existing lock holds for one target (a one-target lock: all of it, for every target). */
function viewOf(lock: Lock, target: string): Lock | undefined {
  if (!lock.targets) return lock;
  return lock.targets.some((t) => t.name === target) ? targetLock(lock, target) : undefined;
}

function named(err: HbuildError, target: string): HbuildError {
  if (!err.message.includes(`target ${target}`)) err.message = `target ${target}: ${err.message}`;
  err.details.target ??= target;
  return err;
}

/** Each target's view of the written text must be exactly its closure; a generator bug must never leave a lock that says something else. */
function assertTargetsReadBack(text: string, lockPath: string, resolutions: readonly TargetResolution[]): void {
  const loaded = parseLock(text, lockPath);
  for (const { target, packages } of resolutions) {
    const view = targetLock(loaded.lock, target.name);
    const got = view.packages.map((p) => `${normalizeName(p.name)} ${p.version} ${p.sdist.sha256} [${canonicalRequires(p, view.packages).join(',')}] ${p['builder-image']?.rootfs ?? ''}`).sort();
    const want = packages.map((p) => `${p.name} ${p.version} ${p.sdist.sha256} [${p.buildRequires.join(',')}] ${p.builderImage?.rootfs ?? ''}`).sort();
    if (got.join('\n') !== want.join('\n')) {
      throw new HbuildError('ERR_INTERNAL', `the lock text hbuild generated does not read back as target ${target.name}'s packages; nothing was written`, { details: { target: target.name, got, want } });
    }
  }
}
