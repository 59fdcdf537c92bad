import { generateKeyPairSync, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { envelopeLine, openEnvelope, pae, signStatement } from '../../src/attest/dsse.js';
import { loadSigningKey, parsePublicKey, type SigningKey } from '../../src/attest/keys.js';
import { DefectError } from '../../src/attest/problem.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('attest-dsse', { per: 'suite' });
let key: SigningKey;
const STATEMENT = { _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a.whl', digest: { sha256: '0'.repeat(64) } }] };

beforeAll(async () => {
  key = await loadSigningKey({ env: { XDG_CONFIG_HOME: tmp.path } });
});

function defect(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DefectError) return err.message;
    throw err;
  }
  throw new Error('expected a defect');
}

function envelopeWith(change: (e: Record<string, any>) => void): string {
  const envelope = JSON.parse(envelopeLine(signStatement(STATEMENT, key))) as Record<string, any>;
  change(envelope);
  return JSON.stringify(envelope);
}

describe('DSSE', () => {
  it('encodes PAE as the DSSE spec does', () => {
    const encoded = pae('http://example.com/HelloWorld', Buffer.from('hello world'));

    expect(encoded.toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('counts bytes, not characters, in PAE', () => {
    const encoded = pae('t', Buffer.from('é'));

    expect(encoded.toString()).toBe('DSSEv1 1 t 2 é');
  });

  it('signs canonical JSON deterministically and opens it again', () => {
    const reordered = { subject: STATEMENT.subject, _type: STATEMENT._type };

    const line = envelopeLine(signStatement(STATEMENT, key));

    expect(envelopeLine(signStatement(reordered, key))).toBe(line);
    expect(JSON.parse(line)).toMatchObject({ payloadType: 'application/vnd.in-toto+json', signatures: [{ keyid: key.keyid }] });
    expect(openEnvelope(line.trimEnd(), key)).toEqual(STATEMENT);
  });

  it('refuses a payload changed after signing', () => {
    const line = envelopeWith((e) => {
      e.payload = Buffer.from(JSON.stringify({ ...STATEMENT, _type: 'x' })).toString('base64');
    });

    expect(defect(() => openEnvelope(line, key))).toBe(`has a signature that does not verify with key ${key.keyid}: the statement or its signature was changed`);
  });

  it('refuses another key, several signatures, another payload type and sloppy base64', () => {
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();

    expect(defect(() => openEnvelope(envelopeLine(signStatement(STATEMENT, key)), parsePublicKey(other)))).toMatch(/^is signed by key [0-9a-f]{64}, not by the trusted key [0-9a-f]{64}$/);
    expect(defect(() => openEnvelope(envelopeWith((e) => e.signatures.push(e.signatures[0])), key))).toBe('has 2 signatures; hbuild writes exactly one');
    expect(defect(() => openEnvelope(envelopeWith((e) => (e.payloadType = 'text/plain')), key))).toContain('has payloadType "text/plain"');
    expect(defect(() => openEnvelope(envelopeWith((e) => (e.payload = `${e.payload}\n`)), key))).toBe('has a payload that is not canonical base64');
    expect(defect(() => openEnvelope(envelopeWith((e) => (e.extra = 1)), key))).toContain('is not a DSSE envelope');
    expect(defect(() => openEnvelope('not json', key))).toBe('is not a JSON DSSE envelope');
  });

  it('refuses a correctly signed payload that is not canonical JSON', () => {
    const payload = Buffer.from('{"b":1, "a":2}');
    const sig = sign(null, pae('application/vnd.in-toto+json', payload), key.privateKey).toString('base64');
    const line = JSON.stringify({ payloadType: 'application/vnd.in-toto+json', payload: payload.toString('base64'), signatures: [{ keyid: key.keyid, sig }] });

    expect(defect(() => openEnvelope(line, key))).toBe('has a signed payload that is not canonical JSON');
  });
});
