import { compare } from '@renovatebot/pep440';
import { normalizeName } from '../core/pep503.js';
import { packageId } from '../lockfile/package-ids.js';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PackageRecord } from './package-record.js';
import type { Store } from '../store/store.js';
import { sha256File } from '../core/digest.js';
import { HbuildError } from '../core/errors.js';
import { tempPathFor } from '../core/fs-atomic.js';
import { renderManifest, type ManifestContext } from './manifest.js';
import { contentDigest, upToDate } from './up-to-date.js';
import { renderSimpleIndex } from './simple-index.js';
import { readRequiresDist } from '../check/requires-dist.js';
import { formatInputEntry } from '../lockfile/inputs.js';
import { everyPackage, runtimeClosure, type BuiltPackage, type Requested } from './runtime-closure.js';
import type { TargetPlatform } from '../core/marker-environment.js';
import { distinctWheels, renderPins, type WheelhouseTarget } from './targets.js';

export const REQUIREMENTS_FILE = 'requirements.txt';
export const BUILD_REQUIREMENTS_FILE = 'build-requirements.txt';

/** What decides which wheels requirements.txt installs. */
export interface WheelhouseInputs {
  /** What the lock asked for; undefined (a lock without `inputs`): every package. */
  requested?: readonly Requested[];
  /** Every package of the lock, so that a dependency `--only` left out is told from one the lock lacks; default: the records. */
  lockKeys?: ReadonlySet<string>;
  /** Told of runtime dependencies this run did not build, which requirements.txt therefore leaves out. */
  warn?: (message: string, details: Record<string, unknown>) => void;
  /**
   * A lock with several targets: each record names its target, whose platform evaluates
   * its wheels' markers and whose packages stand in for `lockKeys`. Absent: one target,
   * the default platform.
   */
  targets?: readonly WheelhouseTarget[];
  /** A one-target run's platform; default: the default builder image's. */
  platform?: TargetPlatform;
}

/**
 * Write the wheelhouse next to `outDir`, then swap it into place: a run that
 * fails before the swap leaves the previous wheelhouse exactly as it was.
 * Each wheel is re-hashed as it is copied out of the store.
 */
export async function publishWheelhouse(
  outDir: string,
  records: PackageRecord[],
  store: Store,
  context: ManifestContext,
  /** Runs on the complete staged wheelhouse before it is swapped in (attestations, SBOM). */
  beforeSwap: (staging: string) => Promise<void> = async () => undefined,
  /** Anything else that shapes the wheelhouse's content (e.g. which key signs it). */
  extra: Record<string, unknown> = {},
  inputs: WheelhouseInputs = {},
): Promise<'published' | 'up-to-date'> {
  await mkdir(dirname(outDir), { recursive: true });
  await recoverInterruptedSwap(outDir);
  const requested = inputs.requested?.map((r) => formatInputEntry({ key: r.key, extras: [...r.extras] })).sort() ?? null;
  const digest = contentDigest(records, context, { ...extra, requested });
  if (await upToDate(outDir, digest, records)) return 'up-to-date';
  const staging = tempPathFor(outDir);
  await mkdir(staging);
  try {
    const wheels = distinctWheels(records);
    for (const { record } of wheels) {
      const target = join(staging, record.wheel.file);
      await copyFile(store.blobPath('wheels', record.wheel.sha256), target);
      const actual = await sha256File(target);
      if (actual !== record.wheel.sha256) {
        throw new HbuildError('ERR_STORE_CORRUPT', `wheel ${record.wheel.file} changed in the store: expected sha256 ${record.wheel.sha256}, got ${actual}`, {
          hint: 'nothing was published; run again to rebuild it',
        });
      }
    }
    const runtime = await runtimeSets(staging, records, inputs);
    const sorted = [...records].sort((a, b) => (a.wheel.file < b.wheel.file ? -1 : 1));
    // A wheel file is in one of the two files: runtime when any target that produced it needs it at run time.
    const runtimeFiles = new Set(records.filter((r) => runtime.get(r.target ?? '')?.has(packageId(r.name, r.version))).map((r) => r.wheel.file));
    const isRuntime = (r: PackageRecord): boolean => runtimeFiles.has(r.wheel.file);
    const targets = inputs.targets ?? [];
    const runtimeRecords = sorted.filter(isRuntime);
    await writeFile(join(staging, REQUIREMENTS_FILE), renderRequirements(runtimeRecords, targets));
    await writeFile(join(staging, BUILD_REQUIREMENTS_FILE), renderBuildRequirements(buildOnlyPins(sorted, runtimeRecords), targets));
    const files = wheels.map((w) => w.record);
    await writeFile(join(staging, 'SHA256SUMS'), files.map((r) => `${r.wheel.sha256}  ${r.wheel.file}\n`).join(''));
    await writeFile(join(staging, 'manifest.json'), renderManifest(records, context, digest, { requested, isRuntime }, targets));
    for (const [path, html] of renderSimpleIndex(files)) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), html);
    }
    await beforeSwap(staging);
    await swapInto(staging, outDir);
    return 'published';
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Per target (keyed by its name; '' in a one-target run), the PEP 503 keys of the packages
 * requirements.txt installs: the runtime closure of what the lock asked for, read from the
 * staged wheels' METADATA (the bytes just hashed), markers evaluated for that target's Python.
 */
async function runtimeSets(staging: string, records: PackageRecord[], inputs: WheelhouseInputs): Promise<Map<string, Set<string>>> {
  const sets = new Map<string, Set<string>>();
  const metadata = new Map<string, readonly string[]>();
  const targets = inputs.targets ?? [undefined];
  for (const target of targets) {
    const built = new Map<string, BuiltPackage>();
    // A name with several versions (build backends only) counts at run time as its newest.
    for (const r of newestPerName(records.filter((r) => (r.target ?? undefined) === target?.name))) {
      let requiresDist = metadata.get(r.wheel.file);
      if (!requiresDist) metadata.set(r.wheel.file, (requiresDist = await readRequiresDist(join(staging, r.wheel.file), r.wheel.file)));
      built.set(normalizeName(r.name), { name: r.name, version: r.version, wheelFile: r.wheel.file, requiresDist });
    }
    const lockKeys = target?.lockKeys ?? inputs.lockKeys ?? new Set(built.keys());
    // What the lock asked for that this target does not build (Requires-Python left it out) is not asked of it.
    const requested = (inputs.requested ?? everyPackage(built)).filter((r) => target === undefined || lockKeys.has(r.key));
    const closure = runtimeClosure(requested, built, lockKeys, target?.platform ?? inputs.platform);
    for (const { key, requiredBy } of closure.notBuilt) {
      const on = target ? ` for target ${target.name}` : '';
      inputs.warn?.(`requirements.txt leaves out ${key}, which ${requiredBy} requires at run time: this run did not build it${on} (--only)`, { package: key, requiredBy, ...(target ? { target: target.name } : {}) });
    }
    sets.set(target?.name ?? '', new Set([...closure.runtime].map((key) => packageId(key, built.get(key)!.version))));
  }
  return sets;
}

/** One record per name, the newest version: pip refuses two pins of one name in one install. */
function newestPerName(records: readonly PackageRecord[]): PackageRecord[] {
  const newest = new Map<string, PackageRecord>();
  for (const r of records) {
    const key = normalizeName(r.name);
    const known = newest.get(key);
    if (known === undefined || compare(r.version, known.version) > 0) newest.set(key, r);
  }
  return [...newest.values()];
}

/**
 * What build-requirements.txt pins besides requirements.txt, which it includes: per target,
 * every build-only wheel, one version per name (the newest). A name requirements.txt already
 * pins for that target is not pinned again; other versions stay in the wheelhouse, its index
 * and SHA256SUMS.
 */
function buildOnlyPins(sorted: readonly PackageRecord[], runtime: readonly PackageRecord[]): PackageRecord[] {
  const keep = new Set<PackageRecord>();
  for (const target of new Set(sorted.map((r) => r.target ?? ''))) {
    const mine = (r: PackageRecord): boolean => (r.target ?? '') === target;
    const pinned = new Set(runtime.filter(mine).map((r) => normalizeName(r.name)));
    for (const r of newestPerName(sorted.filter((r) => mine(r) && !pinned.has(normalizeName(r.name))))) keep.add(r);
  }
  return sorted.filter((r) => keep.has(r));
}

/** requirements.txt: what the lock asked for and its runtime dependencies, each pinned to its wheel's sha256. */
export function renderRequirements(records: PackageRecord[], targets: readonly WheelhouseTarget[] = []): string {
  const head = ['# Generated by hbuild: what the lock asked for and its runtime dependencies. Install with:', '#   pip install --require-hashes --no-index --find-links . -r requirements.txt'];
  if (targets.length > 1) head.push(`# Every target's wheels are here (${targets.map((t) => `${t.name}: CPython ${t.platform.python}`).join(', ')}): each line has the hashes of all of them.`);
  return `${[...head, ...pins(records, targets)].join('\n')}\n`;
}

/**
 * build-requirements.txt: the wheels only builds need, for offline rebuilds. It includes
 * requirements.txt, so installing it installs every wheel of the wheelhouse (a build-only
 * package may depend on a runtime one, and --require-hashes needs every pin in one install).
 */
export function renderBuildRequirements(records: PackageRecord[], targets: readonly WheelhouseTarget[] = []): string {
  const head = [
    '# Generated by hbuild: the wheels only builds need (build backends and their dependencies), for offline rebuilds.',
    '# With requirements.txt, included below, every wheel of the wheelhouse. Install with:',
    '#   pip install --require-hashes --no-index --find-links . -r build-requirements.txt',
    `-r ${REQUIREMENTS_FILE}`,
  ];
  return `${[...head, ...pins(records, targets)].join('\n')}\n`;
}

function pins(records: PackageRecord[], targets: readonly WheelhouseTarget[]): string[] {
  if (targets.length > 0) return renderPins(records, targets);
  return [...records]
    .sort((a, b) => (normalizeName(a.name) < normalizeName(b.name) ? -1 : 1))
    .map((r) => `${normalizeName(r.name)}==${r.version} --hash=sha256:${r.wheel.sha256}`);
}

async function swapInto(staging: string, outDir: string): Promise<void> {
  const previous = `${outDir}.previous`;
  if (await exists(outDir)) {
    await rm(previous, { recursive: true, force: true });
    await rename(outDir, previous);
  }
  await rename(staging, outDir);
  await rm(previous, { recursive: true, force: true });
}

/** A crash between the two renames leaves only `<out>.previous`; put it back. */
async function recoverInterruptedSwap(outDir: string): Promise<void> {
  const previous = `${outDir}.previous`;
  if (!(await exists(outDir)) && (await exists(previous))) await rename(previous, outDir);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
