import type { WheelDiff } from './diff-types.js';
import type { PackageVerification, VerifyResult } from './types.js';
import { CULPRIT_HINT } from './variations.js';

// C0/C1 controls and bidi overrides: text from a build must not drive the terminal.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function percent(part: number, total: number): string {
  return total === 0 ? '0.0%' : `${((100 * part) / total).toFixed(1)}%`;
}

const MAX_FILES_SHOWN = 10;

/** The terminal summary, after `guix challenge`: what differs and why, then the counts. */
export function renderSummary(result: VerifyResult): string {
  const lines: string[] = [];
  for (const p of result.packages) if (p.status !== 'identical') lines.push(...packageLines(p), '');
  const s = result.summary;
  lines.push(`${s.total} package${s.total === 1 ? ' was' : 's were'} verified under ${result.variations.length} variation${result.variations.length === 1 ? '' : 's'} (${result.variations.join(', ')}):`);
  lines.push(`  - ${s.identical} (${percent(s.identical, s.total)}) were identical`);
  lines.push(`  - ${s.differed} (${percent(s.differed, s.total)}) differed (${s.notReproducible} not reproducible, ${s.pinMismatch} only from the pin)`);
  lines.push(`  - ${s.failed} (${percent(s.failed, s.total)}) failed to build`);
  lines.push(`  - ${s.inconclusive} (${percent(s.inconclusive, s.total)}) were inconclusive`);
  if (s.unpinned > 0) lines.push(`  (${s.unpinned} without a pinned wheel: compared between builds only)`);
  lines.push(`report: ${printable(result.reportDir)}/index.html`);
  return `${lines.join('\n')}\n`;
}

function packageLines(p: PackageVerification): string[] {
  const head = `${printable(p.name)} ${printable(p.version)}${p.target ? ` [${printable(p.target)}]` : ''}`;
  const lines: string[] = [];
  if (p.status === 'failed' || p.status === 'inconclusive') {
    lines.push(`${head} ${p.status === 'failed' ? 'failed' : 'is inconclusive'}: ${printable(p.reason)}`);
  } else {
    lines.push(`${head} ${p.reproducible ? 'differs from its pin' : 'contents differ'}:`);
    for (const b of p.builds.slice(0, 2)) lines.push(`  ${(b.label === 'control' ? 'standard build' : 'under variations').padEnd(18)} ${b.wheel ? `sha256 ${b.wheel.sha256}` : `failed: ${printable(b.error?.message ?? '')}`}`);
    if (p.pinned) lines.push(`  ${'pinned'.padEnd(18)} sha256 ${p.pinned.sha256}`);
    const diff = p.diff ?? p.pinDiff;
    if (diff && diff.differingFiles.length > 0) {
      lines.push(`  differing files (${diff.classification}):`);
      for (const f of diff.differingFiles.slice(0, MAX_FILES_SHOWN)) lines.push(`    ${printable(f)}`);
      if (diff.differingFiles.length > MAX_FILES_SHOWN) lines.push(`    … ${diff.differingFiles.length - MAX_FILES_SHOWN} more`);
    }
    if (diff) lines.push(...metadataLines(diff));
    lines.push(`  ${p.nondeterministic ? 'not deterministic: two standard builds differ' : `culprit: ${p.culprits.length > 0 ? p.culprits.join(', ') : 'none alone'}`}`);
    for (const c of p.culprits) lines.push(`    ${c}: ${CULPRIT_HINT[c]}`);
  }
  for (const leak of p.leaks.slice(0, MAX_FILES_SHOWN)) lines.push(`  leaked ${leak.kind} into ${printable(leak.entry)}${leak.where === 'name' ? ' (its name)' : ''}`);
  if (p.history && p.history.state !== 'first') lines.push(`  history: ${printable(p.history.message)}`);
  return lines;
}

/** Archive-metadata differences, counted by kind, with the first few shown. */
function metadataLines(diff: WheelDiff): string[] {
  const meta = diff.differences.filter((d) => d.class === 'archive-metadata');
  if (meta.length === 0) return [];
  const kinds = new Map<string, number>();
  for (const d of meta) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
  const counted = [...kinds].map(([kind, n]) => `${kind} of ${n} entr${n === 1 ? 'y' : 'ies'}`).join(', ');
  const shown = meta.slice(0, 3).map((d) => `    ${printable(d.entry)}: ${d.kind} ${printable(d.left ?? '')} → ${printable(d.right ?? '')}`);
  return [`  archive metadata differs: ${counted}`, ...shown, ...(meta.length > 3 ? [`    … ${meta.length - 3} more`] : [])];
}
