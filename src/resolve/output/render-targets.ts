import { HbuildError } from '../../core/errors.js';
import type { RequestedPackage } from '../../lockfile/inputs.js';
import type { Lock, Settings, WheelPin } from '../../lockfile/schema.js';
import { targetLock, type LockTarget } from '../../lockfile/targets.js';
import type { LockedPackage } from '../types.js';
import { renderInputs, scalar } from './render-lock.js';
import { keptWheel } from './update-text.js';
import { packageId } from '../../lockfile/package-ids.js';

/** One target's closure: what `closeLock` chose for its platform. */
export interface TargetResolution {
  target: LockTarget;
  packages: LockedPackage[];
}

/** One entry of a lock with targets: the package, the targets that build it, and what differs per target. */
export interface MergedPackage {
  pkg: LockedPackage;
  /** Undefined: every target. */
  targets?: string[];
  buildRequires: string[] | Record<string, string[]>;
  images: Record<string, { packages: string[]; rootfs: string }>;
  wheels: Record<string, WheelPin>;
}

/**
 * Merge per-target closures into the entries of one lock. An entry is one name and version
 * (and sdist); a package some targets do not need gets `targets:`, so targets that resolve a
 * name to different versions get an entry each. Build requirements that differ between
 * targets are written per target. Wheel pins of `previous` are kept per target while that
 * target's entry is unchanged.
 */
export function mergeTargets(resolutions: readonly TargetResolution[], previous?: Lock): MergedPackage[] {
  const all = resolutions.map((r) => r.target.name);
  const byId = new Map<string, { first: { target: string; pkg: LockedPackage }; per: Map<string, LockedPackage> }>();
  for (const { target, packages } of resolutions) {
    for (const pkg of packages) {
      const id = packageId(pkg.name, pkg.version);
      const known = byId.get(id);
      if (!known) {
        byId.set(id, { first: { target: target.name, pkg }, per: new Map([[target.name, pkg]]) });
        continue;
      }
      const other = known.first.pkg;
      if (other.sdist.sha256 !== pkg.sdist.sha256) {
        throw new HbuildError('ERR_USAGE', `${pkg.name} ${pkg.version}: target ${known.first.target} pins ${other.sdist.file} (sha256 ${other.sdist.sha256}), target ${target.name} ${pkg.sdist.file} (sha256 ${pkg.sdist.sha256}); one version is one sdist`, {
          hint: `pin ${pkg.name} to one index (--pin-index) so every target fetches the same file`,
          details: { package: pkg.name, version: pkg.version },
        });
      }
      known.per.set(target.name, pkg);
    }
  }
  const views = new Map(previous?.targets ? all.filter((t) => previous.targets!.some((p) => p.name === t)).map((t) => [t, targetLock(previous, t)]) : []);
  const merged: MergedPackage[] = [];
  for (const [, { first, per }] of [...byId].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const targets = all.filter((t) => per.has(t));
    const lists = targets.map((t) => per.get(t)!.buildRequires.join(' '));
    const buildRequires = lists.every((l) => l === lists[0]) ? first.pkg.buildRequires : Object.fromEntries(targets.map((t) => [t, per.get(t)!.buildRequires]));
    const images: MergedPackage['images'] = {};
    const wheels: MergedPackage['wheels'] = {};
    for (const t of targets) {
      const pkg = per.get(t)!;
      if (pkg.builderImage) images[t] = pkg.builderImage;
      const view = views.get(t);
      const old = view?.packages.find((p) => p.name === pkg.name && p.version === pkg.version);
      const wheel = old ? keptWheel(old, pkg, view!.packages) : undefined;
      if (wheel) wheels[t] = wheel;
    }
    merged.push({ pkg: first.pkg, ...(targets.length < all.length ? { targets } : {}), buildRequires, images, wheels });
  }
  return merged;
}

export interface TargetsLock {
  source: string;
  targets: LockTarget[];
  settings?: Settings;
  inputs: RequestedPackage[];
  packages: MergedPackage[];
}

/** A whole lock.yaml with targets; byte-identical for equal input. */
export function renderTargetsLock(lock: TargetsLock): string {
  const lines = [
    `# Written by \`hbuild lock\` from ${lock.source}: sdists pinned by sha256, with their build requirements, for every target.`,
    "# inputs: what it asked for; the wheelhouse's requirements.txt holds them and their runtime dependencies.",
    '# Re-run it to update; recorded wheel pins of unchanged entries are kept (the file is written anew).',
    'version: 1',
    'targets:',
    ...lock.targets.map((t) => `  - {name: ${t.name}, image: ${scalar(t.image)}, rootfs: ${t.rootfs}}`),
  ];
  const settings = Object.entries(lock.settings ?? {}).filter(([, v]) => v !== undefined);
  if (settings.length > 0) lines.push('settings:', ...settings.map(([k, v]) => `  ${k}: ${String(v)}`));
  const head = `${lines.join('\n')}\n${renderInputs(lock.inputs)}`;
  if (lock.packages.length === 0) return `${head}packages: []\n`;
  return `${head}packages:\n${lock.packages.map(renderEntry).join('')}`;
}

function renderEntry(entry: MergedPackage): string {
  const { pkg } = entry;
  const inner = '    ';
  const names = (list: string[]): string => `[${list.map(scalar).join(', ')}]`;
  const lines = [`  - name: ${scalar(pkg.name)}`, `${inner}version: ${JSON.stringify(pkg.version)}`];
  if (pkg.index !== undefined) lines.push(`${inner}index: ${scalar(pkg.index)}`);
  lines.push(`${inner}sdist:`, `${inner}  file: ${scalar(pkg.sdist.file)}`, `${inner}  sha256: ${pkg.sdist.sha256}`, `${inner}  size: ${pkg.sdist.size}`);
  if (pkg.sdist.uploadTime !== undefined) lines.push(`${inner}  upload-time: ${scalar(pkg.sdist.uploadTime)}`);
  if (entry.targets) lines.push(`${inner}targets: ${names(entry.targets)}`);
  if (Array.isArray(entry.buildRequires)) lines.push(`${inner}build-requires: ${names(entry.buildRequires)}`);
  else lines.push(`${inner}build-requires:`, ...Object.entries(entry.buildRequires).map(([t, list]) => `${inner}  ${t}: ${names(list)}`));
  const images = Object.entries(entry.images);
  if (images.length > 0) lines.push(`${inner}builder-images:`, ...images.map(([t, i]) => `${inner}  ${t}: {debian-packages: ${names(i.packages)}, rootfs: ${i.rootfs}}`));
  if (pkg.exemption) lines.push(`${inner}quarantine-exemption:`, `${inner}  reason: ${JSON.stringify(pkg.exemption.reason)}`, `${inner}  expires: ${JSON.stringify(pkg.exemption.expires)}`);
  const wheels = Object.entries(entry.wheels);
  if (wheels.length > 0) lines.push(`${inner}wheels:`, ...wheels.map(([t, w]) => `${inner}  ${t}: {file: ${scalar(w.file)}, sha256: ${w.sha256}}`));
  return lines.map((l) => `${l}\n`).join('');
}
