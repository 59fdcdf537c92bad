import { verify } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { pae } from '../../src/attest/dsse.js';
import { PAYLOAD_TYPE } from '../../src/attest/vocabulary.js';
import type { HbuildEvent } from '../../src/core/events.js';
import { publishWheelhouseToIndex, type PublishOptions } from '../../src/publish/index.js';
import { makeSignedWheelhouse } from '../fixtures/wheelhouse.js';
import { tempDir } from '../helpers/tmp.js';
import { refusal } from '../helpers/errors.js';
import { normalizeName } from '../../src/core/pep503.js';

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

describe('a file that appears on the index between the plan and its upload', () => {
  /** An index that lists nothing until a POST, answers it "already exists", and from then on lists `listing(project)`. */
  async function racingIndex(listing: (project: string) => { file: string; sha256: string } | undefined): Promise<{ url: string; posts: number }> {
    const state = { url: '', posts: 0 };
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.method === 'POST') {
          state.posts++;
          res.statusCode = 409;
          res.end("Package 'x' already exists!");
          return;
        }
        const name = /^\/simple\/([^/]+)\/$/.exec(req.url ?? '')?.[1];
        const listed = name === undefined || state.posts === 0 ? undefined : listing(name);
        if (listed === undefined) {
          res.statusCode = 404;
          res.end();
          return;
        }
        res.setHeader('content-type', 'text/html');
        res.end(`<a href="/f/${listed.file}#sha256=${listed.sha256}">${listed.file}</a>`);
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    return state;
  }

  it('is skipped when it has the same sha256, and refuses the publish (exit 3) when it has another', async () => {
    const { out, records } = await makeSignedWheelhouse(await tempDir('pub-race'));
    const wheelOf = (project: string) => records.find((r) => normalizeName(r.name) === project)?.wheel;
    const same = await racingIndex((project) => wheelOf(project));
    const sameResult = await publishWheelhouseToIndex(options(out, same.url, { attestations: 'never' }));
    await new Promise((r) => server?.close(r));
    const other = await racingIndex((project) => {
      const wheel = wheelOf(project);
      return wheel && { file: wheel.file, sha256: 'f'.repeat(64) };
    });

    const err = await refusal(publishWheelhouseToIndex(options(out, other.url, { attestations: 'never' })));

    expect(sameResult.uploaded).toEqual([]);
    expect(sameResult.skipped.sort()).toEqual(records.map((r) => r.wheel.file).sort());
    expect(same.posts).toBe(records.length);
    expect(err.code).toBe('ERR_PUBLISH_CONFLICT');
    expect(err.message).toMatch(/other content; uploaded before it: nothing:\n  .*: the index has sha256 f{64}, this wheelhouse [0-9a-f]{64}/);
    expect(other.posts).toBe(1);
  });
});
