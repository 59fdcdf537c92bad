import { applyEdits, contentEnd, nextLineStart, type Edit } from '../../lockfile/text-edit.js';
import { isMap, isNode, isScalar, isSeq, type Node } from 'yaml';
import { formatInputEntry, requestedPackages, type RequestedPackage } from '../../lockfile/inputs.js';
import { compare } from '@renovatebot/pep440';
import { normalizeName } from '../../core/pep503.js';
import { entriesByName, matchBuildRequire, packageId } from '../../lockfile/package-ids.js';
import type { LoadedLock } from '../../lockfile/read.js';
import type { LockPackage } from '../../lockfile/schema.js';
import { lineAt, parseLockYaml, type LockSource } from '../../lockfile/yaml-source.js';
import type { LockedPackage } from '../types.js';
import { renderInputs, renderPackage } from './render-lock.js';

/**
 * An entry's build requirements as `name==version`, sorted: a bare name (one version of it in
 * the lock) reads as that version, so an unchanged entry written before exact versions stays
 * as it is.
 */
export function canonicalRequires(entry: LockPackage, packages: readonly LockPackage[]): string[] {
  const byName = entriesByName(packages);
  // A lock with targets is read through one target's view, where build-requires is a list.
  const list = Array.isArray(entry['build-requires']) ? entry['build-requires'] : Object.values(entry['build-requires']).flat();
  return [
    ...new Set(
      list.map((text) => {
        const match = matchBuildRequire(text, byName);
        return 'entry' in match ? packageId(match.entry.name, match.entry.version) : text;
      }),
    ),
  ].sort();
}

/** Whether a new entry says exactly what the lock already says (the wheel pin aside). */
export function sameEntry(old: LockPackage, pkg: LockedPackage, packages: readonly LockPackage[] = [old]): boolean {
  const requires = canonicalRequires(old, packages);
  return (
    old.version === pkg.version &&
    old.index === pkg.index &&
    old.sdist.file === pkg.sdist.file &&
    old.sdist.sha256 === pkg.sdist.sha256 &&
    old.sdist.size === pkg.sdist.size &&
    old.sdist['upload-time'] === pkg.sdist.uploadTime &&
    requires.join(' ') === pkg.buildRequires.join(' ') &&
    sameImage(old, pkg) &&
    old['quarantine-exemption']?.reason === pkg.exemption?.reason &&
    old['quarantine-exemption']?.expires === pkg.exemption?.expires
  );
}

/** The recorded wheel pin stays valid only while the sdist and its build environment are the same. */
export function keptWheel(old: LockPackage, pkg: LockedPackage, packages: readonly LockPackage[]): LockPackage['wheel'] {
  const requires = canonicalRequires(old, packages);
  const same = old.version === pkg.version && old.sdist.sha256 === pkg.sdist.sha256 && requires.join(' ') === pkg.buildRequires.join(' ') && sameImage(old, pkg);
  return same ? old.wheel : undefined;
}

/** The same derived builder image (or none on both sides). */
function sameImage(old: LockPackage, pkg: LockedPackage): boolean {
  const a = old['builder-image'];
  const b = pkg.builderImage;
  if (a === undefined || b === undefined) return a === b;
  return a.rootfs === b.rootfs && a['debian-packages'].join(' ') === b.packages.join(' ');
}

function lineStart(source: LockSource, offset: number): number {
  return source.lineCounter.lineStarts[lineAt(source, offset) - 1] ?? 0;
}

/**
 * The lock text with its packages replaced by `packages`, touching only what changed:
 * unchanged entries, comments and everything outside `packages:` stay byte for byte.
 * A changed entry is re-rendered in place (keeping its wheel pin when its sdist and
 * build requirements are the same), a dropped entry goes with the comment lines just
 * above it, and a new entry is inserted before the first entry that sorts after it.
 */
export function updateLockText(text: string, loaded: LoadedLock, packages: readonly LockedPackage[], inputs?: readonly RequestedPackage[]): string {
  const source = parseLockYaml(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const inputsEdit = inputs === undefined ? undefined : editInputs(source, text, loaded, inputs, eol);
  // Edited first, then the packages against the edited text: `loaded`'s packages are unchanged by it.
  if (inputsEdit !== undefined) return updateLockText(applyEdits(text, [inputsEdit]), loaded, packages);
  const seq = source.doc.get('packages', true);
  const all = loaded.lock.packages;
  if (!isSeq(seq) || seq.flow || seq.items.length === 0) {
    // `packages: []`: the new entries replace the empty flow sequence.
    const node = seq as Node;
    if (packages.length === 0) return text;
    const before = text.slice(0, node.range![0]).replace(/[ \t]+$/, '');
    const after = text.slice(nextLineStart(source, text, node.range![1]));
    return `${before}${eol}${packages.map((p) => renderPackage(p, undefined, 2, eol)).join('')}${after}`;
  }

  const spans = seq.items.map((item, i) => {
    const node = item as Node;
    const start = lineStart(source, node.range![0]);
    return { i, start, end: nextLineStart(source, text, contentEnd(node)), indent: source.lineCounter.linePos(node.range![0]).col - 3, old: loaded.lock.packages[i]! };
  });
  const edits: Edit[] = [];
  const matched = matchEntries(spans.map((s) => s.old), packages);
  for (const [n, span] of spans.entries()) {
    const pkg = matched.get(n);
    if (!pkg) {
      const gapStart = n === 0 ? span.start : spans[n - 1]!.end;
      const gap = text.slice(gapStart, span.start);
      edits.push({ start: /^(\s*#[^\n]*\n)*\s*$/.test(gap) ? gapStart : span.start, end: span.end, text: '' });
      continue;
    }
    if (!sameEntry(span.old, pkg, all)) edits.push({ start: span.start, end: span.end, text: renderPackage(pkg, keptWheel(span.old, pkg, all), Math.max(0, span.indent), eol) });
  }
  const present = new Set(matched.values());
  const kept = spans.filter((s) => matched.has(s.i));
  for (const pkg of packages) {
    if (present.has(pkg)) continue;
    const after = (s: (typeof spans)[number]): boolean => {
      const name = normalizeName(s.old.name);
      return name > pkg.name || (name === pkg.name && compare(s.old.version, pkg.version) > 0);
    };
    const next = kept.find(after);
    const n = next ? spans.indexOf(next) : -1;
    const at = next ? (n === 0 ? next.start : commentBlockStart(text, spans[n - 1]!.end, next.start)) : spans.at(-1)!.end;
    edits.push({ start: at, end: at, text: renderPackage(pkg, undefined, Math.max(0, (next ?? spans.at(-1)!).indent), eol) });
  }
  return applyEdits(text, edits);
}

/**
 * Which new package replaces which old entry (by position): the same name and version first,
 * then an entry of the same name that nothing else took (a version change, in place).
 */
function matchEntries(old: readonly LockPackage[], packages: readonly LockedPackage[]): Map<number, LockedPackage> {
  const matched = new Map<number, LockedPackage>();
  const taken = new Set<LockedPackage>();
  const byId = new Map(packages.map((p) => [packageId(p.name, p.version), p]));
  for (const [i, entry] of old.entries()) {
    const pkg = byId.get(packageId(entry.name, entry.version));
    if (pkg && !taken.has(pkg)) {
      matched.set(i, pkg);
      taken.add(pkg);
    }
  }
  for (const [i, entry] of old.entries()) {
    if (matched.has(i)) continue;
    const pkg = packages.find((p) => !taken.has(p) && p.name === normalizeName(entry.name));
    if (pkg) {
      matched.set(i, pkg);
      taken.add(pkg);
    }
  }
  return matched;
}

/**
 * The edit that makes the lock's `inputs:` say `inputs`: none when it already does, the
 * block re-rendered in place when it differs, inserted above `packages:` when absent.
 */
function editInputs(source: LockSource, text: string, loaded: LoadedLock, inputs: readonly RequestedPackage[], eol: string): Edit | undefined {
  const want = inputs.map(formatInputEntry).sort();
  const have = requestedPackages(loaded.lock)?.map(formatInputEntry).sort();
  if (have !== undefined && have.join(' ') === want.join(' ')) return undefined;
  const top = source.doc.contents;
  if (!isMap(top)) return undefined;
  const pair = (key: string) => top.items.find((p) => isScalar(p.key) && p.key.value === key);
  const current = pair('inputs');
  if (current !== undefined && isNode(current.key) && isNode(current.value)) {
    return { start: lineStart(source, current.key.range![0]), end: nextLineStart(source, text, contentEnd(current.value)), text: renderInputs(inputs, eol) };
  }
  const before = pair('packages');
  const at = before !== undefined && isNode(before.key) ? lineStart(source, before.key.range![0]) : text.length;
  return { start: at, end: at, text: renderInputs(inputs, eol) };
}

/** Where the comment lines directly above an entry begin, so an insertion does not split them from it. */
function commentBlockStart(text: string, gapStart: number, entryStart: number): number {
  const gap = text.slice(gapStart, entryStart);
  const lines = gap.split(/(?<=\n)/);
  let at = entryStart;
  for (let i = lines.length - 1; i >= 0 && /^\s*#/.test(lines[i]!); i--) at -= lines[i]!.length;
  return at;
}
