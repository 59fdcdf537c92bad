import { normalizeName } from '../core/pep503.js';
import type { HistoryRecord } from './schema.js';
import type { PackageHistory, VerifyStatus } from './types.js';

export interface PackageKey {
  /** In a lock with several targets, each target's rebuilds have a history of their own. */
  target?: string;
  name: string;
  version: string;
  sdistSha256: string;
}

type Judged = { at: string; identical: boolean };

/**
 * Where a package stands against earlier runs of the same pin (name, version,
 * sdist digest): "reproducible on 2026-11-20, differs since 2026-11-21". Only
 * runs that judged the package (identical or differed) count. Pure.
 */
export function packageHistory(previous: readonly HistoryRecord[], pkg: PackageKey, current: { status: VerifyStatus; startedAt: string }): PackageHistory {
  const key = normalizeName(pkg.name);
  const runs: Judged[] = [];
  for (const record of previous) {
    if (record.startedAt >= current.startedAt) continue;
    const found = record.packages.find((p) => normalizeName(p.name) === key && p.version === pkg.version && p.sdistSha256 === pkg.sdistSha256 && p.target === pkg.target);
    if (found && (found.status === 'identical' || found.status === 'differed')) runs.push({ at: record.startedAt, identical: found.status === 'identical' });
  }
  const lastIdentical = runs.filter((r) => r.identical).at(-1)?.at;
  const judged = current.status === 'identical' || current.status === 'differed';
  if (!judged) {
    const last = runs.at(-1);
    const state = last === undefined ? 'first' : last.identical ? 'stable' : 'still-differs';
    return { state, ...(lastIdentical ? { lastIdentical } : {}), message: lastIdentical ? `not judged this time; last reproducible on ${day(lastIdentical)}` : 'not judged this time' };
  }
  if (runs.length === 0) {
    return { state: 'first', message: current.status === 'identical' ? 'first verification: reproducible' : 'first verification: differs' };
  }
  if (current.status === 'identical') {
    const lastDiffered = runs.filter((r) => !r.identical).at(-1)?.at;
    if (runs.at(-1)?.identical === false) return { state: 'fixed', message: `reproducible again; differed on ${day(lastDiffered as string)}` };
    const streakStart = lastDiffered === undefined ? runs[0]?.at : runs.find((r) => r.at > lastDiffered)?.at;
    return { state: 'stable', message: `reproducible since ${day(streakStart ?? current.startedAt)}` };
  }
  if (lastIdentical === undefined) {
    return { state: 'never-reproducible', message: `never reproducible in ${runs.length + 1} verification runs since ${day(runs[0]?.at ?? current.startedAt)}` };
  }
  const differsSince = runs.find((r) => r.at > lastIdentical && !r.identical)?.at ?? current.startedAt;
  return {
    state: differsSince === current.startedAt ? 'regressed' : 'still-differs',
    lastIdentical,
    differsSince,
    message: `reproducible on ${day(lastIdentical)}, differs since ${day(differsSince)}`,
  };
}

function day(iso: string): string {
  return iso.slice(0, 10);
}
