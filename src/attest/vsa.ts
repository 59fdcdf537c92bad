import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { HBUILD_VERSION } from '../core/version.js';
import { envelopeLine, signStatement } from './dsse.js';
import type { SigningKey } from './keys.js';
import { ATTESTATIONS_DIR, POLICY_URI, pypiPurl, REPRODUCTION_FIELD, STATEMENT_TYPE, verifierId, VSA_FILE, VSA_TYPE } from './vocabulary.js';
import { VerificationInput, type ReproductionResult, type VsaStatement } from './schema.js';

export type { ReproductionResult } from './schema.js';

/** One wheel's outcome in a verify run. */
export interface VerifiedWheel {
  name: string;
  version: string;
  /** The published wheel that was rebuilt and compared. */
  file: string;
  sha256: string;
  result: ReproductionResult;
  /** The build variations the rebuild used (e.g. another build path or time zone). */
  variations: string[];
}

export interface VerificationSummaryInput {
  wheels: VerifiedWheel[];
  timeVerified: Date | string;
}

export interface VerificationSummaryWritten {
  path: string;
  passed: number;
  failed: number;
}

/** Only a reproduced wheel passes; a build that failed or could not be compared is a failure, not a gap. */
export function verdictFor(result: ReproductionResult): 'PASSED' | 'FAILED' {
  return result === 'reproduced' ? 'PASSED' : 'FAILED';
}

/**
 * One SLSA verification summary statement per wheel, failures included: the
 * statement for a wheel that differed says FAILED, with the variations tried.
 */
export function buildVerificationSummaries(input: VerificationSummaryInput, hbuildVersion = HBUILD_VERSION): VsaStatement[] {
  const parsed = VerificationInput.safeParse(input);
  if (!parsed.success) throw new Error(`invalid verification summary input: ${parsed.error.message}`);
  const { wheels, timeVerified } = parsed.data;
  const files = new Set(wheels.map((w) => w.file));
  if (files.size !== wheels.length) throw new Error('invalid verification summary input: a wheel is listed twice');
  const time = new Date(timeVerified).toISOString();
  return [...wheels]
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))
    .map((wheel) => {
      const verificationResult = verdictFor(wheel.result);
      return {
        _type: STATEMENT_TYPE,
        subject: [{ name: wheel.file, digest: { sha256: wheel.sha256 } }],
        predicateType: VSA_TYPE,
        predicate: {
          verifier: { id: verifierId(hbuildVersion), version: { hbuild: hbuildVersion } },
          timeVerified: time,
          resourceUri: pypiPurl(wheel.name, wheel.version),
          policy: { uri: POLICY_URI },
          verificationResult,
          // Custom levels are allowed as long as they do not start with SLSA_.
          verifiedLevels: [verificationResult === 'PASSED' ? 'HBUILD_REPRODUCED' : 'FAILED'],
          slsaVersion: '1.0' as const,
          [REPRODUCTION_FIELD]: { result: wheel.result, variations: [...new Set(wheel.variations)].sort() },
        },
      };
    });
}

/**
 * Sign the verify run's summary and write it to
 * `<wheelhouse>/attestations/verification-summary.intoto.jsonl`, one DSSE
 * envelope per wheel, replacing the previous run's. `hbuild attest verify`
 * checks it with the same key as the provenance.
 */
export async function writeVerificationSummary(
  wheelhouseDir: string,
  input: VerificationSummaryInput,
  key: SigningKey,
): Promise<VerificationSummaryWritten> {
  const statements = buildVerificationSummaries(input);
  const path = join(wheelhouseDir, ATTESTATIONS_DIR, VSA_FILE);
  await writeFileAtomic(path, statements.map((s) => envelopeLine(signStatement(s, key))).join(''));
  const passed = statements.filter((s) => s.predicate.verificationResult === 'PASSED').length;
  return { path, passed, failed: statements.length - passed };
}
