import { verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { pae } from '../../src/attest/dsse.js';
import { PAYLOAD_TYPE } from '../../src/attest/vocabulary.js';
import type { HbuildEvent } from '../../src/core/events.js';
import { publishWheelhouseToIndex, type PublishOptions } from '../../src/publish/index.js';
import { makeSignedWheelhouse } from '../fixtures/wheelhouse.js';
import { tempDir } from '../helpers/tmp.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** An index that declares `version` on its JSON root page, knows no project yet, and keeps each upload's form. */
async function fakeIndex(version: string): Promise<{ url: string; uploads: FormData[] }> {
  const uploads: FormData[] = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (req.method === 'POST') {
        uploads.push(await new Response(Buffer.concat(chunks), { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData());
        res.end('OK');
      } else if (req.url === '/simple/') {
        res.setHeader('content-type', 'application/vnd.pypi.simple.v1+json');
        res.end(JSON.stringify({ meta: { 'api-version': version }, projects: [] }));
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, uploads };
}

function options(wheelhouse: string, repository: string, overrides: Partial<PublishOptions> = {}): PublishOptions & { events: HbuildEvent[] } {
  const events: HbuildEvent[] = [];
  return {
    wheelhouse,
    repository,
    attestations: 'auto',
    dryRun: false,
    env: { TWINE_USERNAME: 'me', TWINE_PASSWORD: 'pw' },
    netrc: () => undefined,
    keyring: async () => ({ found: false, installed: false }),
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    events,
    ...overrides,
  };
}

describe('publishing with attestations', () => {
  it('sends each wheel\'s provenance as a PEP 740 object to an index that declares 1.3, signed over its DSSE encoding', async () => {
    const { out, records, key } = await makeSignedWheelhouse(await tempDir('pub-att'));
    const index = await fakeIndex('1.3');

    const result = await publishWheelhouseToIndex(options(out, index.url));

    expect(result.attestations).toEqual({ sent: true, reason: 'the index declares repository version 1.3 (PEP 740)' });
    expect(index.uploads).toHaveLength(records.length);
    for (const form of index.uploads) {
      expect(form.get(':action')).toBe('file_upload');
      expect(form.get('protocol_version')).toBe('1');
      expect(form.get('filetype')).toBe('bdist_wheel');
      const [attestation] = JSON.parse(String(form.get('attestations'))) as Array<{ version: number; envelope: { statement: string; signature: string } }>;
      const statement = Buffer.from(attestation!.envelope.statement, 'base64');
      expect(JSON.parse(statement.toString()).subject[0].digest.sha256).toBe(form.get('sha256_digest'));
      expect(verify(null, pae(PAYLOAD_TYPE, statement), key.publicKey, Buffer.from(attestation!.envelope.signature, 'base64'))).toBe(true);
    }
  });

  it('sends none to an index that declares less than 1.3, or with --attestations never', async () => {
    const { out } = await makeSignedWheelhouse(await tempDir('pub-noatt'));
    const old = await fakeIndex('1.1');

    const result = await publishWheelhouseToIndex(options(out, old.url));

    expect(result.attestations.sent).toBe(false);
    expect(result.attestations.reason).toContain('declares repository version 1.1, older than');
    expect(old.uploads.every((form) => !form.has('attestations'))).toBe(true);
  });

  it('uploads nothing and asks for no credentials on --dry-run', async () => {
    const { out, records } = await makeSignedWheelhouse(await tempDir('pub-dry'));
    const index = await fakeIndex('1.0');
    const run = options(out, index.url, { dryRun: true, env: {} });

    const result = await publishWheelhouseToIndex(run);

    expect(result.uploaded).toEqual([]);
    expect(index.uploads).toEqual([]);
    expect(run.events.filter((e) => e.type === 'package' && e.status === 'queued')).toHaveLength(records.length);
  });
});
