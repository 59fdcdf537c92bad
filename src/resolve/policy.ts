import { HbuildError } from '../core/errors.js';
import { normalizeName, PROJECT_NAME } from '../core/pep503.js';
import { packageId } from '../lockfile/package-ids.js';
import type { Lock, QuarantineExemption } from '../lockfile/schema.js';
import { QuarantineExemption as ExemptionSchema } from '../lockfile/schema.js';
import type { IndexConfig } from '../fetch/index-view.js';
import { indexConfig } from '../fetch/index-view.js';
import type { PinContext } from './pin-sdist.js';

export const DEFAULT_MIN_AGE_DAYS = 7;
const DAY_MS = 86_400_000;

/** `--exempt NAME… --reason TEXT --expires YYYY-MM-DD`. */
export interface ExemptionRequest {
  names: string[];
  reason: string;
  expires: string;
}

export type PinRules = Omit<PinContext, 'view' | 'store' | 'signal'>;

/** Whether an exemption still applies: until the start of its expiry day, UTC. */
export function exemptionActive(exemption: QuarantineExemption, now: Date): boolean {
  return now.getTime() < Date.parse(`${exemption.expires}T00:00:00Z`);
}

/**
 * The rules one `hbuild lock` run pins by: quarantine age, exemptions (from the flags for any
 * version of a name; from the current lock only for the version they were granted to, and
 * only until they expire), index pins (flags over the lock), and the current lock's sdists.
 */
export function lockPolicy(
  existing: { lock: Lock } | undefined,
  options: { minAgeDays?: number; now?: Date; exempt?: ExemptionRequest; pinIndex?: Record<string, string> },
  indexes: readonly IndexConfig[],
): { pinRules: PinRules } {
  const now = options.now ?? new Date();
  const minAgeDays = options.minAgeDays ?? DEFAULT_MIN_AGE_DAYS;
  if (!Number.isFinite(minAgeDays) || minAgeDays < 0) throw new HbuildError('ERR_USAGE', `--min-age must be a number of days ≥ 0, got ${minAgeDays}`);
  const flagged = new Map<string, QuarantineExemption>();
  if (options.exempt) {
    const { names, reason, expires } = options.exempt;
    const parsed = ExemptionSchema.safeParse({ reason, expires });
    if (!parsed.success) throw new HbuildError('ERR_USAGE', `--exempt needs --reason TEXT and --expires YYYY-MM-DD: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (!exemptionActive(parsed.data, now)) throw new HbuildError('ERR_USAGE', `--expires ${expires} is not in the future`);
    for (const name of names) {
      if (!PROJECT_NAME.test(name)) throw new HbuildError('ERR_USAGE', `--exempt ${JSON.stringify(name)} is not a project name`);
      flagged.set(normalizeName(name), parsed.data);
    }
  }
  const locked = new Map((existing?.lock.packages ?? []).map((p) => [packageId(p.name, p.version), p]));
  const pins = new Map<string, string>();
  for (const pkg of locked.values()) if (pkg.index !== undefined) pins.set(normalizeName(pkg.name), pkg.index);
  for (const [name, url] of Object.entries(options.pinIndex ?? {})) pins.set(normalizeName(name), indexConfig(url).shown);
  return {
    pinRules: {
      policy: { minAgeMs: minAgeDays * DAY_MS, now },
      recordIndex: indexes.length > 1,
      exemptionFor(key, version) {
        const fromFlag = flagged.get(key);
        if (fromFlag) return fromFlag;
        const granted = locked.get(packageId(key, version))?.['quarantine-exemption'];
        return granted && exemptionActive(granted, now) ? granted : undefined;
      },
      indexPinFor: (key) => pins.get(key),
      lockedSdist(key, version) {
        const entry = locked.get(packageId(key, version));
        return entry ? { file: entry.sdist.file, sha256: entry.sdist.sha256 } : undefined;
      },
    },
  };
}
