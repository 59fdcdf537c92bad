import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REQUESTS_PER_ORIGIN } from '../../src/fetch/host-gate.js';
import { findProjectPage } from '../../src/fetch/index-client.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => {
    s.close(r);
    s.closeAllConnections();
  })));
});

/** An index on loopback that answers each page after `delayMs` and counts the requests in flight. */
async function slowIndex(delayMs: number): Promise<{ url: string; stats: { active: number; most: number; served: number; seen: string[] } }> {
  const stats = { active: 0, most: 0, served: 0, seen: [] as string[] };
  const server = createServer((req, res) => {
    stats.seen.push(req.url ?? '');
    stats.active++;
    stats.most = Math.max(stats.most, stats.active);
    setTimeout(() => {
      stats.active--;
      stats.served++;
      const name = (req.url ?? '').split('/')[2] ?? '';
      res.setHeader('content-type', 'text/html');
      res.end(`<html><a href="/f/${name}-1.0.tar.gz#sha256=${'b'.repeat(64)}">${name}-1.0.tar.gz</a></html>`);
    }, delayMs);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/simple/`, stats };
}

describe('requests to one index', () => {
  it(`keep at most ${MAX_REQUESTS_PER_ORIGIN} in flight, and every one is answered`, async () => {
    const index = await slowIndex(40);
    const signal = new AbortController().signal;
    const names = Array.from({ length: 30 }, (_, i) => `p${i}`);

    const pages = await Promise.all(names.map((name) => findProjectPage(index.url, name, signal)));

    expect(pages.map((p) => p?.files[0]?.filename)).toEqual(names.map((n) => `${n}-1.0.tar.gz`));
    expect(index.stats.served).toBe(30);
    expect(index.stats.most).toBe(MAX_REQUESTS_PER_ORIGIN);
  });

  it('of another index do not wait for them', async () => {
    const busy = await slowIndex(400);
    const quiet = await slowIndex(0);
    const signal = new AbortController().signal;
    const queued = Promise.all(Array.from({ length: 3 * MAX_REQUESTS_PER_ORIGIN }, (_, i) => findProjectPage(busy.url, `q${i}`, signal)));

    const started = performance.now();
    await findProjectPage(quiet.url, 'alone', signal);
    const waited = performance.now() - started;
    await queued;

    expect(waited).toBeLessThan(400);
  });

  it('waiting for a slot ends when the run is cancelled', async () => {
    const index = await slowIndex(300);
    const run = new AbortController();
    const held = Array.from({ length: MAX_REQUESTS_PER_ORIGIN }, (_, i) => findProjectPage(index.url, `h${i}`, run.signal).catch((e: unknown) => e));
    const waiting = findProjectPage(index.url, 'late', run.signal).catch((e: unknown) => e);
    while (index.stats.active < MAX_REQUESTS_PER_ORIGIN) await new Promise((r) => setTimeout(r, 5));
    run.abort(new Error('cancelled'));

    expect(await waiting).toEqual(expect.objectContaining({ message: expect.stringMatching(/cancelled/) }));
    await Promise.all(held);
    await new Promise((r) => setTimeout(r, 350));
    expect(index.stats.seen).toHaveLength(MAX_REQUESTS_PER_ORIGIN);
    expect(index.stats.seen).not.toContain('/simple/late/');
  });
});
