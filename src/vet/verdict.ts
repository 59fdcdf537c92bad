import { HbuildError } from '../core/errors.js';
import { digestJson } from '../core/digest.js';
import type { RawFinding } from './finding.js';
import type { VetException } from './schema.js';
import type { ExceptionOutcome, Finding, HeldRelease, Verdict, VetResult, VetSummary } from './types.js';

export const DEFAULT_MIN_AGE_DAYS = 7;
const DAY_MS = 86_400_000;

function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function outcome(exception: VetException, sha256: string, today: string): ExceptionOutcome {
  const base = { reason: exception.reason, expires: exception.expires };
  if (exception['sdist-sha256'] !== sha256) {
    return { ...base, status: 'wrong-sha256', note: `the exception was reviewed for sdist sha256 ${exception['sdist-sha256']}, not this one (${sha256})` };
  }
  // Like the lock's quarantine exemptions: an exception stops applying at the start of its expiry day (UTC).
  if (exception.expires <= today) return { ...base, status: 'expired', note: `the exception expired on ${exception.expires}` };
  return { ...base, status: 'applied', note: `allowed until ${exception.expires}` };
}

const PREFERENCE: Record<ExceptionOutcome['status'], number> = { applied: 0, expired: 1, 'wrong-sha256': 2 };

/**
 * Exceptions naming a finding's rule and file: one for this sdist and not yet
 * expired makes it `allowed`; an expired or other-sdist one leaves it as it
 * was and says why, so a stale review is never silently trusted.
 */
export function applyExceptions(raw: readonly RawFinding[], sha256: string, exceptions: readonly VetException[], now: Date): Finding[] {
  const today = utcDay(now);
  return raw.map((f): Finding => {
    const finding: Finding = { ...f, ruleSeverity: f.severity };
    const outcomes = exceptions
      .filter((e) => e.rule === f.rule && e.file === f.file)
      .map((e) => outcome(e, sha256, today))
      .sort((a, b) => PREFERENCE[a.status] - PREFERENCE[b.status]);
    const best = outcomes[0];
    if (!best) return finding;
    finding.exception = best;
    if (best.status === 'applied') finding.severity = 'allowed';
    return finding;
  });
}

/**
 * Hold a release younger than `minAgeDays`. Without an upload time the age is
 * unknown, and an unknown age is treated as too young. The lock's
 * `quarantine-exemption` lifts the hold until the start of its expiry day.
 */
export function quarantine(
  uploadTime: string | undefined,
  now: Date,
  minAgeDays: number,
  exemption?: { reason: string; expires: string },
): HeldRelease | undefined {
  if (minAgeDays <= 0) return undefined;
  const exempted = exemption !== undefined && utcDay(now) < exemption.expires;
  if (exempted) return undefined;
  const lapsed = exemption === undefined ? '' : ` (its quarantine exemption expired on ${exemption.expires})`;
  const released = uploadTime === undefined ? Number.NaN : Date.parse(uploadTime);
  if (Number.isNaN(released)) {
    return {
      releasedAt: uploadTime ?? null,
      until: null,
      message: `the lock records no ${uploadTime === undefined ? '' : 'valid '}upload time for this sdist, so its age is unknown; held by the ${minAgeDays}-day quarantine${lapsed}`,
    };
  }
  const until = released + minAgeDays * DAY_MS;
  if (now.getTime() >= until) return undefined;
  const ageDays = Math.max(0, (now.getTime() - released) / DAY_MS);
  return {
    releasedAt: new Date(released).toISOString(),
    until: new Date(until).toISOString(),
    message: `released ${new Date(released).toISOString()} (${ageDays.toFixed(1)} days ago); held until ${new Date(until).toISOString()} by the ${minAgeDays}-day quarantine${lapsed}`,
  };
}

export function verdictOf(findings: readonly Finding[]): Verdict {
  if (findings.some((f) => f.severity === 'block')) return 'block';
  if (findings.some((f) => f.severity === 'warn')) return 'warn';
  return 'pass';
}

export function findingsDigest(findings: readonly Finding[]): string {
  return `sha256:${digestJson(findings)}`;
}

/** What the wheelhouse manifest records for a package. */
export function vetSummary(result: VetResult): VetSummary {
  return { ruleSetVersion: result.ruleSetVersion, verdict: result.verdict, findingsDigest: result.findingsDigest };
}

/** Refused: blocked by a finding, or held by the quarantine. */
export function isRefused(result: VetResult): boolean {
  return result.verdict === 'block' || result.held !== undefined;
}

/** For the pipeline: throw ERR_VET_BLOCKED naming every blocking finding (or the hold), else return. */
export function assertVetAccepted(result: VetResult, pkg: { name: string; version: string }): void {
  if (!isRefused(result)) return;
  const blocking = result.findings.filter((f) => f.severity === 'block');
  const lines = blocking.slice(0, 10).map((f) => {
    const why = f.exception && f.exception.status !== 'applied' ? ` [${f.exception.note}]` : '';
    return `${f.rule} ${f.file}${f.line > 0 ? `:${f.line}` : ''}: ${f.message}${why}`;
  });
  if (blocking.length > 10) lines.push(`… and ${blocking.length - 10} more`);
  if (result.held) lines.unshift(`HB100 quarantine: ${result.held.message}`);
  throw new HbuildError('ERR_VET_BLOCKED', `vetting refused ${pkg.name} ${pkg.version}:\n  ${lines.join('\n  ')}`, {
    hint: result.held && blocking.length === 0
      ? 'wait for the quarantine to end, or lower it deliberately with --min-age'
      : 'review each finding (`hbuild vet LOCK --only NAME`); if it is acceptable, add a recipe exception with rule, file, sdist-sha256, reason and expires',
    details: { verdict: result.verdict, held: result.held, findings: blocking },
  });
}
