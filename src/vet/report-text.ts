import { safeText } from './excerpt.js';
import { ruleById } from './rules.js';
import type { Finding } from './types.js';
import type { VettedPackage } from './types.js';

const MARK = { pass: '✓', warn: '!', block: '✗' } as const;
const ORDER = { block: 0, warn: 1, allowed: 2 } as const;

function findingLines(f: Finding): string[] {
  const where = f.line > 0 ? `${f.file}:${f.line}` : f.file;
  const lines = [`    ${f.severity.padEnd(7)} ${f.rule} ${ruleById(f.rule).name}  ${safeText(where, 160)}`, `            ${f.message}`];
  if (f.excerpt) lines.push(`            | ${f.excerpt}`);
  if (f.exception) lines.push(`            exception: ${f.exception.note} (reason: ${safeText(f.exception.reason, 160)})`);
  return lines;
}

/** One package's block of the terminal report. */
export function renderPackage(v: VettedPackage): string {
  const head = `${v.name} ${v.version} (${v.file})`;
  if (v.error) return `✗ ${head}: not vetted — ${v.error.message}${v.error.hint ? `\n    hint: ${v.error.hint}` : ''}`;
  const r = v.result!;
  const counts = { block: 0, warn: 0, allowed: 0 };
  for (const f of r.findings) counts[f.severity]++;
  const tally = (['block', 'warn', 'allowed'] as const).filter((k) => counts[k] > 0).map((k) => `${counts[k]} ${k}`);
  const lines = [`${r.held ? '⏸' : MARK[r.verdict]} ${head}: ${r.verdict}${r.held ? ', held' : ''}${tally.length ? ` (${tally.join(', ')})` : ''}`];
  if (r.held) lines.push(`    held    HB100 quarantine  ${r.held.message}`);
  const sorted = [...r.findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  for (const f of sorted) lines.push(...findingLines(f));
  return lines.join('\n');
}

/** The human summary: every package with its findings, then one line of totals. */
export function renderVetText(vetted: readonly VettedPackage[]): string {
  const totals = { pass: 0, warn: 0, block: 0, held: 0, failed: 0 };
  for (const v of vetted) {
    if (v.error) totals.failed++;
    else {
      totals[v.result!.verdict]++;
      if (v.result!.held) totals.held++;
    }
  }
  const ruleSet = vetted.find((v) => v.result)?.result?.ruleSetVersion ?? '?';
  const summary =
    `vetted ${vetted.length} sdist${vetted.length === 1 ? '' : 's'} (rule set ${ruleSet}): ` +
    `${totals.pass} pass, ${totals.warn} warn, ${totals.block} block, ${totals.held} held` +
    (totals.failed ? `, ${totals.failed} not vetted` : '');
  return `${[...vetted.map(renderPackage), summary].join('\n')}\n`;
}
