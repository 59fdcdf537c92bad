import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { decodeUtf8, readLimited } from '../attest/read-limited.js';
import { Envelope } from '../attest/schema.js';
import { verifyAttestations } from '../attest/verify.js';
import { ATTESTATIONS_DIR, PUBLIC_KEY_FILE, statementFileFor } from '../attest/vocabulary.js';
import { HbuildError } from '../core/errors.js';

const MAX_STATEMENT_BYTES = 4 * 1024 * 1024;
const MAX_KEY_BYTES = 16 * 1024;

/**
 * A PEP 740 attestation object for one wheel, made from hbuild's signed provenance: the
 * envelope's statement and its ed25519 signature over the DSSE encoding. PEP 740 asks for a
 * Sigstore certificate and transparency-log entries as verification material; hbuild signs with
 * its own key and has neither, so `certificate` carries that key (SubjectPublicKeyInfo, DER,
 * base64) and `transparency_entries` is empty. An index that demands Sigstore refuses it.
 */
export interface Pep740Attestation {
  version: 1;
  verification_material: { certificate: string; transparency_entries: unknown[] };
  envelope: { statement: string; signature: string };
}

/** Attestations by wheel file, after the whole wheelhouse's attestations verified (`hbuild attest verify`). */
export async function readAttestations(dir: string, files: readonly string[]): Promise<Map<string, Pep740Attestation>> {
  const report = await verifyAttestations(dir);
  const [problem] = report.problems;
  if (problem !== undefined) {
    throw new HbuildError('ERR_ATTESTATION_INVALID', `not publishing ${dir} with its attestations: ${problem.file}: ${problem.message}`, {
      hint: 'run `hbuild attest verify` on it; re-sign it with `hbuild attest sign`, or publish without them (--attestations never)',
    });
  }
  const pem = decodeUtf8(await readLimited(join(dir, ATTESTATIONS_DIR, PUBLIC_KEY_FILE), MAX_KEY_BYTES, { noFollow: true }));
  const certificate = createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
  const found = new Map<string, Pep740Attestation>();
  for (const file of files) {
    const line = decodeUtf8(await readLimited(join(dir, ATTESTATIONS_DIR, statementFileFor(file)), MAX_STATEMENT_BYTES, { noFollow: true }));
    const envelope = Envelope.parse(JSON.parse(line));
    const signature = envelope.signatures[0]?.sig;
    if (signature === undefined) throw new HbuildError('ERR_ATTESTATION_INVALID', `the provenance of ${file} has no signature`, { hint: 're-sign the wheelhouse with `hbuild attest sign`' });
    found.set(file, { version: 1, verification_material: { certificate, transparency_entries: [] }, envelope: { statement: envelope.payload, signature } });
  }
  return found;
}
