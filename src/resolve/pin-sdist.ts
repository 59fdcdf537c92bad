import { clean } from '@renovatebot/pep440';
import { HbuildError } from '../core/errors.js';
import type { IndexFile } from '../fetch/index-client.js';
import { inspectSdist } from '../inspect/sdist.js';
import type { QuarantineExemption } from '../lockfile/schema.js';
import type { Store } from '../store/store.js';
import { readBuildSystem } from './build-system.js';
import { describeRefusal, filesByVersion, orderCandidates, refusalOf, type AgePolicy, type Refusal, type ResolveTarget, type VersionFiles } from './candidates.js';
import { downloadSdist } from '../fetch/download.js';
import { checkInputHashes } from './hashes.js';
import type { IndexView } from '../fetch/index-view.js';
import type { InputPin } from './input/types.js';
import type { PinnedSdist } from './types.js';

export interface PinContext {
  view: IndexView;
  store: Store;
  policy: AgePolicy;
  /** The active quarantine exemption for this name and version, if any. */
  exemptionFor(key: string, version: string): QuarantineExemption | undefined;
  /** The index the lock pins this name to, if any. */
  indexPinFor(key: string): string | undefined;
  /** Several indexes configured: every entry records its index. */
  recordIndex: boolean;
  /** The sdist the current lock pins for this name and version, if any: the index must still serve those bytes. */
  lockedSdist(key: string, version: string): { file: string; sha256: string } | undefined;
  /** The target resolved for: Requires-Python is checked against its Python; default: the default builder image's. */
  target?: ResolveTarget;
  signal: AbortSignal;
}

/** Pin an exact version from the input: every rule applies and every refusal names the input line. */
export async function pinExact(ctx: PinContext, pin: InputPin): Promise<PinnedSdist> {
  const version = clean(pin.version) ?? pin.version;
  const where = `${pin.name}==${pin.version} (${pin.origin.file}${pin.origin.line > 0 ? `:${pin.origin.line}` : ''})`;
  const listing = await ctx.view.listing(pin.key, ctx.indexPinFor(pin.key)).catch((err: unknown) => {
    if (err instanceof HbuildError && err.code === 'ERR_USAGE') err.message += ` (asked for by the input: ${where})`;
    throw err;
  });
  const files = filesByVersion(pin.key, listing.files).get(version);
  if (!files) throw new HbuildError('ERR_USAGE', `${where}: ${listing.index.shown} lists no such version`, { hint: 'check the version' });
  if (files.sdists.length === 0) throw noSdist(where, files);
  const sdist = files.sdists.find((f) => f.sha256 !== undefined && (f.sha256 === pin.sdistSha256 || pin.hashes.includes(f.sha256))) ?? files.sdists[0]!;
  const exemption = ctx.exemptionFor(pin.key, version);
  const refusal = refusalOf(sdist, ctx.policy, exemption !== undefined, ctx.target);
  if (refusal) throw refused(`${where}: ${sdist.filename}`, refusal, ctx.policy);
  const mismatch = checkInputHashes(pin, files, sdist);
  if (mismatch) throw mismatch;
  return fetchAndRead(ctx, pin.key, version, sdist as IndexFile & { sha256: string }, listing.index.shown, exemption);
}

/** Pin the newest admissible version satisfying every specifier, preferring those in `prefer`, in its order (versions used elsewhere, the current lock's). */
export async function pinNewest(ctx: PinContext, key: string, specifiers: string[], prefer: readonly string[] = []): Promise<PinnedSdist> {
  const listing = await ctx.view.listing(key, ctx.indexPinFor(key));
  const versions = filesByVersion(key, listing.files);
  const specifier = specifiers.filter(Boolean).join(',');
  const ordered = orderCandidates(versions.keys(), specifier);
  for (const version of [...new Set(prefer)].reverse()) if (ordered.includes(version)) ordered.unshift(...ordered.splice(ordered.indexOf(version), 1));
  const refusals: string[] = [];
  for (const version of ordered) {
    const files = versions.get(version)!;
    const exemption = ctx.exemptionFor(key, version);
    for (const sdist of files.sdists) {
      const refusal = refusalOf(sdist, ctx.policy, exemption !== undefined, ctx.target);
      if (!refusal) return fetchAndRead(ctx, key, version, sdist as IndexFile & { sha256: string }, listing.index.shown, exemption);
      refusals.push(`${sdist.filename} ${describeRefusal(refusal, ctx.policy)}`);
    }
    if (files.sdists.length === 0) refusals.push(`${key} ${version} has no .tar.gz sdist`);
  }
  const wanted = `${key}${specifier ? ` ${specifier}` : ''}`;
  const quarantined = refusals.length > 0 && refusals.every((r) => / yanked| quarantine/.test(r));
  throw new HbuildError(quarantined ? 'ERR_VET_BLOCKED' : 'ERR_USAGE', `no admissible sdist for the build requirement ${wanted} on ${listing.index.shown}${refusals.length ? `: ${refusals.slice(0, 5).join('; ')}` : ''}`, {
    hint: quarantined ? `wait until one is old enough, or exempt it: --exempt ${key} --reason TEXT --expires YYYY-MM-DD` : 'no published version satisfies it; check the requirement',
    details: { package: key, specifier, refusals },
  });
}

async function fetchAndRead(
  ctx: PinContext,
  key: string,
  version: string,
  sdist: IndexFile & { sha256: string },
  index: string,
  exemption: QuarantineExemption | undefined,
): Promise<PinnedSdist> {
  const config = ctx.view.indexes.find((i) => i.shown === index)!;
  const locked = ctx.lockedSdist(key, version);
  if (locked && locked.file === sdist.filename && locked.sha256 !== sdist.sha256) {
    throw new HbuildError('ERR_HASH_MISMATCH', `${key} ${version}: the lock pins ${sdist.filename} with sha256 ${locked.sha256}, but ${index} now lists ${sdist.sha256}`, {
      hint: 'the index serves different bytes under the same name; do not re-pin until you know why',
      details: { package: key, expected: locked.sha256, actual: sdist.sha256 },
    });
  }
  const { path, size } = await downloadSdist(sdist, config, ctx.view, ctx.store, ctx.signal);
  const inspected = await inspectSdist(path, { expect: { name: key, version } });
  const pinned: PinnedSdist = {
    name: key,
    version,
    sdist: { file: sdist.filename, sha256: sdist.sha256, size, ...(sdist.uploadTime ? { uploadTime: sdist.uploadTime } : {}) },
    sdistPath: path,
    buildSystem: readBuildSystem(inspected.pyprojectToml, inspected.setupPy, `${key} ${version} (${sdist.filename})`),
  };
  if (ctx.recordIndex || ctx.indexPinFor(key) !== undefined) pinned.index = index;
  if (exemption) pinned.exemption = exemption;
  if (inspected.cargoToml) pinned.cargoToml = true;
  return pinned;
}

function noSdist(where: string, files: VersionFiles): HbuildError {
  const other = files.otherSdists.map((f) => f.filename);
  return new HbuildError('ERR_USAGE', `${where}: no .tar.gz sdist is published${other.length ? ` (only ${other.join(', ')})` : files.wheels.length ? ' (only wheels)' : ''}`, {
    hint: 'hbuild builds from source; pin a version that publishes a .tar.gz sdist, or ask the project to publish one',
  });
}

function refused(what: string, refusal: Refusal, policy: AgePolicy): HbuildError {
  const text = `${what} ${describeRefusal(refusal, policy)}`;
  if (refusal.kind === 'no-sha256') return new HbuildError('ERR_HASH_MISMATCH', text, { hint: 'an index that lists no sha256 cannot be pinned from; use one that speaks PEP 691 or gives #sha256= links' });
  if (refusal.kind === 'requires-python') return new HbuildError('ERR_USAGE', text, { hint: 'pin a version that supports the builder\'s Python' });
  const hint =
    refusal.kind === 'yanked'
      ? 'the project withdrew this release; pin another version'
      : 'wait until it is old enough, lower --min-age, or exempt it: --exempt NAME --reason TEXT --expires YYYY-MM-DD';
  return new HbuildError('ERR_VET_BLOCKED', text, { hint, details: { refusal } });
}
