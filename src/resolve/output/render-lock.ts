import { parse } from 'yaml';
import { formatInputEntry, type RequestedPackage } from '../../lockfile/inputs.js';
import type { Builder, Settings, WheelPin } from '../../lockfile/schema.js';
import type { LockedPackage } from '../types.js';

const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._:+/=-]*$/;

/** Plain when YAML reads it back as the same string, double-quoted otherwise. */
export function scalar(value: string): string {
  return PLAIN.test(value) && parse(value) === value ? value : JSON.stringify(value);
}

/**
 * One package entry as block YAML, starting with `- ` at `indent` spaces. The layout
 * is fixed so that the same package always renders to the same bytes.
 */
export function renderPackage(pkg: LockedPackage, wheel: WheelPin | undefined, indent: number, eol = '\n'): string {
  const pad = ' '.repeat(indent);
  const inner = `${pad}  `;
  const lines = [`${pad}- name: ${scalar(pkg.name)}`, `${inner}version: ${JSON.stringify(pkg.version)}`];
  if (pkg.index !== undefined) lines.push(`${inner}index: ${scalar(pkg.index)}`);
  lines.push(`${inner}sdist:`, `${inner}  file: ${scalar(pkg.sdist.file)}`, `${inner}  sha256: ${pkg.sdist.sha256}`, `${inner}  size: ${pkg.sdist.size}`);
  if (pkg.sdist.uploadTime !== undefined) lines.push(`${inner}  upload-time: ${scalar(pkg.sdist.uploadTime)}`);
  lines.push(`${inner}build-requires: [${pkg.buildRequires.map(scalar).join(', ')}]`);
  if (pkg.builderImage) {
    lines.push(`${inner}builder-image:`, `${inner}  debian-packages: [${pkg.builderImage.packages.map(scalar).join(', ')}]`, `${inner}  rootfs: ${pkg.builderImage.rootfs}`);
  }
  if (pkg.exemption) {
    lines.push(`${inner}quarantine-exemption:`, `${inner}  reason: ${JSON.stringify(pkg.exemption.reason)}`, `${inner}  expires: ${JSON.stringify(pkg.exemption.expires)}`);
  }
  if (wheel) lines.push(`${inner}wheel:`, `${inner}  file: ${scalar(wheel.file)}`, `${inner}  sha256: ${wheel.sha256}`);
  return lines.map((l) => `${l}${eol}`).join('');
}

/**
 * The `inputs:` block: one entry a line (sorted by name), so that a change in the input
 * shows as a one-line diff. Quoted when it carries extras (`[` is YAML syntax).
 */
export function renderInputs(inputs: readonly RequestedPackage[], eol = '\n'): string {
  if (inputs.length === 0) return `inputs: []${eol}`;
  const sorted = [...inputs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return [`inputs:`, ...sorted.map((i) => `  - ${scalar(formatInputEntry(i))}`)].map((l) => `${l}${eol}`).join('');
}

export interface FreshLock {
  /** What the lock was made from, for the header comment (a file's base name, or `--add`). */
  source: string;
  builder: Builder;
  settings?: Settings;
  /** What the input asked for; every entry names one of `packages`. */
  inputs: RequestedPackage[];
  packages: LockedPackage[];
}

/** A whole new lock.yaml; byte-identical for equal input. */
export function renderLock(lock: FreshLock): string {
  const lines = [
    `# Written by \`hbuild lock\` from ${lock.source}: sdists pinned by sha256, with their build requirements.`,
    '# inputs: what it asked for; the wheelhouse\'s requirements.txt holds them and their runtime dependencies.',
    '# Re-run it to update; comments and recorded wheel pins of unchanged entries are kept.',
    'version: 1',
    'builder:',
    `  image: ${scalar(lock.builder.image)}`,
    `  rootfs: ${lock.builder.rootfs}`,
  ];
  const settings = Object.entries(lock.settings ?? {}).filter(([, v]) => v !== undefined);
  if (settings.length > 0) lines.push('settings:', ...settings.map(([k, v]) => `  ${k}: ${String(v)}`));
  const head = `${lines.join('\n')}\n${renderInputs(lock.inputs)}`;
  if (lock.packages.length === 0) return `${head}packages: []\n`;
  return `${head}packages:\n${lock.packages.map((p) => renderPackage(p, undefined, 2)).join('')}`;
}
