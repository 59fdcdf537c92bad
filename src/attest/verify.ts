import { lstat, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HbuildError } from '../core/errors.js';
import { sha256File } from '../core/digest.js';
import { parsePublicKey, type VerifyKey } from './keys.js';
import { ATTESTATIONS_DIR, PUBLIC_KEY_FILE, SBOM_STATEMENT_FILE, STATEMENT_SUFFIX, statementFileFor, VSA_FILE } from './vocabulary.js';
import { DefectError, type AttestProblem } from './problem.js';
import { decodeUtf8, readLimited } from './read-limited.js';
import { checkRequirements, checkSbom, checkSums, runtimeWheels, type WheelDigests } from './verify-lists.js';
import { readProvenance, readSbomStatement, readVerificationSummaries } from './verify-statements.js';
import { listDir, listWheelFiles } from './wheel-files.js';

export interface VerifyAttestationsOptions {
  /** The public key to trust (PEM). Default: the wheelhouse's own attestations/signing-key.pub.pem, with a warning. */
  keyPath?: string;
}

export interface AttestVerifyReport {
  wheelhouse: string;
  key: { keyid: string; source: 'pinned' | 'wheelhouse' } | null;
  wheels: number;
  /** Envelopes whose signature verified. */
  statements: number;
  /** The last verify run's summary, when the wheelhouse carries one. */
  verification: { passed: string[]; failed: string[] } | null;
  /** Empty when, and only when, every check passed. */
  problems: AttestProblem[];
  warnings: string[];
}

const MAX_PUBLIC_KEY_BYTES = 16 * 1024;
const KEY_REL = `${ATTESTATIONS_DIR}/${PUBLIC_KEY_FILE}`;
const KNOWN = new Set([PUBLIC_KEY_FILE, SBOM_STATEMENT_FILE, VSA_FILE]);

/**
 * Check an attested wheelhouse offline: every envelope's signature against the
 * trusted key, exactly one provenance statement per wheel whose subject digest
 * is the wheel's sha256 and no statement about a wheel that is not here, the
 * signed SBOM against sbom.cdx.json and the wheels, SHA256SUMS,
 * requirements.txt and build-requirements.txt (split as the signed SBOM says),
 * and the verify run's summary when there is one. Problems
 * are collected, not thrown, so one run names every tampered file.
 */
export async function verifyAttestations(dir: string, options: VerifyAttestationsOptions = {}): Promise<AttestVerifyReport> {
  if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
    throw new HbuildError('ERR_USAGE', `wheelhouse ${dir} is not a directory`, { hint: 'hbuild attest verify path/to/wheelhouse' });
  }
  if (options.keyPath !== undefined && (await stat(options.keyPath).catch(() => undefined)) === undefined) {
    throw new HbuildError('ERR_USAGE', `--key ${options.keyPath} does not exist`, { hint: 'pass the PEM public key the wheelhouse should be signed with' });
  }
  const report: AttestVerifyReport = { wheelhouse: dir, key: null, wheels: 0, statements: 0, verification: null, problems: [], warnings: [] };
  const problem = (file: string, message: string): void => void report.problems.push({ file, message });
  const attestations = join(dir, ATTESTATIONS_DIR);
  const found = await lstat(attestations).catch(() => undefined);
  if (!found?.isDirectory()) {
    problem(`${ATTESTATIONS_DIR}/`, found ? 'is not a directory' : 'is missing: this wheelhouse was never attested (hbuild attest sign)');
    return report;
  }
  const key = await trustedKey(dir, options.keyPath, report);
  if (key === null) return report;

  const { wheels, defects } = await listWheelFiles(dir);
  report.problems.push(...defects);
  const digests: WheelDigests = new Map();
  for (const wheel of wheels) digests.set(wheel, await sha256File(join(dir, wheel)));
  report.wheels = wheels.length;

  const entries = await listDir(attestations);
  for (const name of entries) {
    if (!KNOWN.has(name) && !name.endsWith(`.whl${STATEMENT_SUFFIX}`)) problem(`${ATTESTATIONS_DIR}/${name}`, 'is not a file hbuild writes');
  }
  for (const wheel of wheels) {
    const file = statementFileFor(wheel);
    if (!entries.includes(file)) problem(wheel, `has no signed provenance (${ATTESTATIONS_DIR}/${file} is missing)`);
  }
  const checked = async (rel: string, check: () => Promise<void>): Promise<void> => {
    try {
      await check();
      report.statements += 1;
    } catch (err) {
      if (!(err instanceof DefectError)) throw err;
      problem(rel, err.message);
    }
  };
  for (const name of entries.filter((n) => n.endsWith(`.whl${STATEMENT_SUFFIX}`))) {
    const wheel = name.slice(0, -STATEMENT_SUFFIX.length);
    const rel = `${ATTESTATIONS_DIR}/${name}`;
    await checked(rel, async () => {
      const signed = (await readProvenance(join(attestations, name), wheel, key)).subject[0]?.digest.sha256;
      const actual = digests.get(wheel);
      if (actual === undefined) problem(rel, `is about ${wheel}, which is not in the wheelhouse`);
      else if (actual !== signed) problem(wheel, `has sha256 ${actual}, but its signed provenance (${rel}) says ${signed}: the wheel was changed or replaced`);
    });
  }
  const sbomRel = `${ATTESTATIONS_DIR}/${SBOM_STATEMENT_FILE}`;
  let runtime: Set<string> | undefined;
  await checked(sbomRel, async () => {
    const signed = await readSbomStatement(join(attestations, SBOM_STATEMENT_FILE), key);
    runtime = runtimeWheels(signed);
    report.problems.push(...(await checkSbom(dir, signed, digests)));
  });
  report.problems.push(...(await checkSums(dir, digests)), ...(await checkRequirements(dir, digests, runtime)));
  if (entries.includes(VSA_FILE)) {
    const rel = `${ATTESTATIONS_DIR}/${VSA_FILE}`;
    await checked(rel, async () => {
      const verification = { passed: [] as string[], failed: [] as string[] };
      for (const statement of await readVerificationSummaries(join(attestations, VSA_FILE), key)) {
        const subject = statement.subject[0] as { name: string; digest: { sha256: string } };
        const actual = digests.get(subject.name);
        if (actual === undefined) problem(rel, `summarises ${subject.name}, which is not in the wheelhouse`);
        else if (actual !== subject.digest.sha256) problem(rel, `summarises ${subject.name} with sha256 ${subject.digest.sha256}, but the wheel has ${actual}`);
        verification[statement.predicate.verificationResult === 'PASSED' ? 'passed' : 'failed'].push(subject.name);
      }
      report.verification = verification;
    });
  }
  return report;
}

async function trustedKey(dir: string, keyPath: string | undefined, report: AttestVerifyReport): Promise<VerifyKey | null> {
  const shipped = await loadPublicKey(join(dir, KEY_REL), true);
  if (keyPath === undefined) {
    if (typeof shipped === 'string') {
      report.problems.push({ file: KEY_REL, message: shipped });
      return null;
    }
    report.key = { keyid: shipped.keyid, source: 'wheelhouse' };
    report.warnings.push(
      `trusting ${KEY_REL}, the key shipped beside the wheels: this proves the files agree with each other, not who signed them; pin the key you expect with --key`,
    );
    return shipped;
  }
  const pinned = await loadPublicKey(keyPath, false);
  if (typeof pinned === 'string') {
    report.problems.push({ file: keyPath, message: pinned });
    return null;
  }
  report.key = { keyid: pinned.keyid, source: 'pinned' };
  if (typeof shipped === 'string') report.problems.push({ file: KEY_REL, message: shipped });
  else if (shipped.keyid !== pinned.keyid) report.problems.push({ file: KEY_REL, message: `is key ${shipped.keyid}, not the pinned key ${pinned.keyid}` });
  return pinned;
}

/** The key, or why it cannot be used. */
async function loadPublicKey(path: string, inWheelhouse: boolean): Promise<VerifyKey | string> {
  try {
    return parsePublicKey(decodeUtf8(await readLimited(path, MAX_PUBLIC_KEY_BYTES, { noFollow: inWheelhouse })));
  } catch (err) {
    return err instanceof TypeError ? 'is not UTF-8 text' : `${(err as Error).message}`;
  }
}
