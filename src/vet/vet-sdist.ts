import type { ArchiveLimits } from '../inspect/archive-limits.js';
import { collectFacts } from './collect.js';
import { judgeFacts } from './apply-rules.js';
import { RULE_SET_VERSION } from './rules.js';
import type { VetException } from './schema.js';
import type { VetResult } from './types.js';
import { DEFAULT_MIN_AGE_DAYS, applyExceptions, findingsDigest, quarantine, verdictOf } from './verdict.js';

export interface VetPackage {
  name: string;
  version: string;
  /** sha256 of the sdist: exceptions are only valid for the bytes they reviewed. */
  sha256: string;
  /** ISO 8601 upload time from the lock. */
  uploadTime?: string;
  /** The lock's `quarantine-exemption` for this package. */
  quarantineExemption?: { reason: string; expires: string };
}

export interface VetOptions {
  exceptions?: readonly VetException[];
  now?: Date;
  /** Quarantine age; 0 disables it. Default 7. */
  minAgeDays?: number;
  /** Bytes read of any one text file (default 2 MiB). */
  maxTextBytes?: number;
  limits?: Partial<ArchiveLimits>;
  signal?: AbortSignal;
}

/**
 * Vet one sdist: stream it once through the archive rules, read its text
 * without running any of it, judge the rules, apply exceptions and the
 * quarantine. Throws ERR_ARCHIVE_UNSAFE for an archive that fails inspection.
 */
export async function vetSdist(path: string, pkg: VetPackage, opts: VetOptions = {}): Promise<VetResult> {
  const now = opts.now ?? new Date();
  const facts = await collectFacts(path, { maxTextBytes: opts.maxTextBytes, limits: opts.limits, signal: opts.signal });
  const findings = applyExceptions(judgeFacts(facts, pkg), pkg.sha256, opts.exceptions ?? [], now);
  const held = quarantine(pkg.uploadTime, now, opts.minAgeDays ?? DEFAULT_MIN_AGE_DAYS, pkg.quarantineExemption);
  const result: VetResult = {
    ruleSetVersion: RULE_SET_VERSION,
    verdict: verdictOf(findings),
    findings,
    findingsDigest: findingsDigest(findings),
    stats: facts.stats,
  };
  if (held) result.held = held;
  return result;
}
