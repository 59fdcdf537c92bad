import { sign, verify } from 'node:crypto';
import { canonicalJson } from '../core/digest.js';
import type { SigningKey, VerifyKey } from './keys.js';
import { PAYLOAD_TYPE } from './vocabulary.js';
import { DefectError } from './problem.js';
import { decodeUtf8 } from './read-limited.js';
import { Envelope } from './schema.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ED25519_SIGNATURE_BYTES = 64;

/** DSSE pre-authentication encoding: `DSSEv1 SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal bytes. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/**
 * Sign a statement as a DSSE envelope. The payload is canonical JSON (sorted keys,
 * no whitespace) and ed25519 is deterministic, so equal statements give equal envelopes.
 */
export function signStatement(statement: unknown, key: SigningKey): Envelope {
  const payload = Buffer.from(canonicalJson(statement), 'utf8');
  const sig = sign(null, pae(PAYLOAD_TYPE, payload), key.privateKey);
  return { payloadType: PAYLOAD_TYPE, payload: payload.toString('base64'), signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }] };
}

/** One line of an `.intoto.jsonl` file. */
export function envelopeLine(envelope: Envelope): string {
  return `${canonicalJson(envelope)}\n`;
}

/**
 * Check one envelope against the trusted key and return its statement, still
 * untyped. The signature is checked over the raw payload before the payload is
 * parsed; the payload must then be the canonical JSON hbuild writes, which
 * leaves no room for duplicate keys or other parser disagreements.
 */
export function openEnvelope(line: string, key: VerifyKey): unknown {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new DefectError('is not a JSON DSSE envelope');
  }
  const parsed = Envelope.safeParse(raw);
  if (!parsed.success) throw new DefectError(`is not a DSSE envelope (${parsed.error.issues[0]?.path.join('.') || 'top level'}: ${parsed.error.issues[0]?.message})`);
  const envelope = parsed.data;
  if (envelope.payloadType !== PAYLOAD_TYPE) throw new DefectError(`has payloadType ${JSON.stringify(envelope.payloadType)}, expected ${PAYLOAD_TYPE}`);
  if (envelope.signatures.length !== 1) throw new DefectError(`has ${envelope.signatures.length} signatures; hbuild writes exactly one`);
  const [signature] = envelope.signatures as [{ keyid: string; sig: string }];
  if (signature.keyid !== key.keyid) throw new DefectError(`is signed by key ${signature.keyid}, not by the trusted key ${key.keyid}`);
  const sig = strictBase64(signature.sig, 'signature');
  if (sig.length !== ED25519_SIGNATURE_BYTES) throw new DefectError(`has a ${sig.length}-byte signature; ed25519 signatures are 64 bytes`);
  const payload = strictBase64(envelope.payload, 'payload');
  if (!verify(null, pae(envelope.payloadType, payload), key.publicKey, sig)) {
    throw new DefectError(`has a signature that does not verify with key ${key.keyid}: the statement or its signature was changed`);
  }
  let statement: unknown;
  try {
    statement = JSON.parse(decodeUtf8(payload));
  } catch {
    throw new DefectError('has a signed payload that is not UTF-8 JSON');
  }
  if (canonicalJson(statement) !== payload.toString('utf8')) throw new DefectError('has a signed payload that is not canonical JSON');
  return statement;
}

function strictBase64(text: string, what: string): Buffer {
  const data = Buffer.from(text, 'base64');
  if (!BASE64.test(text) || data.toString('base64') !== text) throw new DefectError(`has a ${what} that is not canonical base64`);
  return data;
}
