import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/digest.js';
import { fetchSdist } from '../../src/fetch/fetch-sdist.js';
import { findProjectPage } from '../../src/fetch/index-client.js';
import { openStore } from '../../src/store/store.js';
import { useTempDir } from '../helpers/tmp.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise((r) => {
          s.close(r);
          s.closeAllConnections();
        }),
    ),
  );
});

/** A loopback index whose n-th request to a path (from 1) is answered by `answer`. */
async function index(answer: (path: string, n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    const n = (hits.get(path) ?? 0) + 1;
    hits.set(path, n);
    answer(path, n, req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/simple/`, hits };
}

const page = (res: ServerResponse, file: string, digest: string): void => {
  res.setHeader('content-type', 'text/html');
  res.end(`<html><a href="/files/${file}#sha256=${digest}">${file}</a></html>`);
};
const signal = new AbortController().signal;

describe('an index request that fails in a way that may pass', () => {
  it('is made again: two 503s, then the page', async () => {
    const idx = await index((_p, n, _q, res) => (n <= 2 ? res.writeHead(503).end() : page(res, 'p-1.0.tar.gz', 'a'.repeat(64))));

    const found = await findProjectPage(idx.url, 'p', signal);

    expect(found?.files.map((f) => f.filename)).toEqual(['p-1.0.tar.gz']);
    expect(idx.hits.get('/simple/p/')).toBe(3);
  });

  it('is made again after a connection reset', async () => {
    const idx = await index((_p, n, req, res) => (n === 1 ? req.socket.destroy() : page(res, 'p-1.0.tar.gz', 'a'.repeat(64))));

    expect((await findProjectPage(idx.url, 'p', signal))?.files).toHaveLength(1);
    expect(idx.hits.get('/simple/p/')).toBe(2);
  });

  it('fails after three attempts, and says so', async () => {
    const idx = await index((_p, _n, _q, res) => res.writeHead(500).end());

    await expect(findProjectPage(idx.url, 'p', signal)).rejects.toMatchObject({ code: 'ERR_FETCH', message: 'the index answered 500 for p (3 attempts)', details: { attempts: 3 } });
    expect(idx.hits.get('/simple/p/')).toBe(3);
  });

  it('stops waiting for the next attempt when the run is cancelled', async () => {
    const idx = await index((_p, _n, _q, res) => res.writeHead(503).end());
    const run = new AbortController();
    const started = performance.now();
    const pending = findProjectPage(idx.url, 'p', run.signal);
    setTimeout(() => run.abort(new Error('cancelled')), 100);

    await expect(pending).rejects.toThrow(/cancelled/);
    expect(performance.now() - started).toBeLessThan(450);
    expect(idx.hits.get('/simple/p/')).toBe(1);
  });
});

describe('an index request that fails for good', () => {
  it('is made once: a 404 is "no such project", a 403 an error', async () => {
    const idx = await index((p, _n, _q, res) => res.writeHead(p === '/simple/gone/' ? 404 : 403).end());

    expect(await findProjectPage(idx.url, 'gone', signal)).toBeNull();
    await expect(findProjectPage(idx.url, 'secret', signal)).rejects.toMatchObject({ message: 'the index answered 403 for secret' });
    expect([...idx.hits.values()]).toEqual([1, 1]);
  });
});

describe('an sdist download', () => {
  const dir = useTempDir('retry');
  const bytes = Buffer.alloc(256 * 1024, 7);
  const pin = { name: 'p', version: '1.0', file: 'p-1.0.tar.gz', sha256: sha256(bytes) };

  it('that broke off is made again, and only the whole file lands', async () => {
    const idx = await index((p, n, req, res) => {
      if (p.startsWith('/simple/')) return page(res, pin.file, pin.sha256);
      if (n === 1) {
        res.writeHead(200, { 'content-length': String(bytes.length) });
        res.write(bytes.subarray(0, 1000));
        return setTimeout(() => req.socket.destroy(), 20);
      }
      res.end(bytes);
    });
    const store = await openStore(join(dir.path, 'store'));

    const fetched = await fetchSdist(pin, { store, indexUrl: async () => idx.url, sdistDirs: [], signal, credentialsFor: () => undefined });

    expect(idx.hits.get(`/files/${pin.file}`)).toBe(2);
    expect(sha256(await readFile(fetched.path))).toBe(pin.sha256);
  });

  it('whose bytes do not match is not made again', async () => {
    const idx = await index((p, _n, _q, res) => (p.startsWith('/simple/') ? page(res, pin.file, pin.sha256) : res.end(Buffer.from('other bytes'))));
    const store = await openStore(join(dir.path, 'store2'));

    await expect(fetchSdist(pin, { store, indexUrl: async () => idx.url, sdistDirs: [], signal, credentialsFor: () => undefined })).rejects.toMatchObject({ code: 'ERR_HASH_MISMATCH' });
    expect(idx.hits.get(`/files/${pin.file}`)).toBe(1);
  });
});
