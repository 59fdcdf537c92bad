import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { findProjectPage } from '../../src/fetch/index-client.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: (url: string, res: import('node:http').ServerResponse) => void): Promise<{ origin: string; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req.url ?? '', res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, hits };
}

const page = (res: import('node:http').ServerResponse): void => {
  res.setHeader('content-type', 'text/html');
  res.end('<html><head><meta name="pypi:repository-version" content="1.1"></head><a href="/f/demo-1.0-py3-none-any.whl#sha256=' + 'a'.repeat(64) + '">demo-1.0-py3-none-any.whl</a></html>');
};

describe('a project page read for publishing', () => {
  it('follows a redirect within the index, but treats one to another origin as "not here" without going there', async () => {
    const elsewhere = await serve((_url, res) => page(res));
    const index = await serve((url, res) => {
      if (url === '/simple/demo/') return res.writeHead(301, { location: '/simple/demo/moved/' }).end();
      if (url === '/simple/demo/moved/') return page(res);
      return res.writeHead(303, { location: `${elsewhere.origin}/simple/other/` }).end();
    });
    const signal = new AbortController().signal;

    const moved = await findProjectPage(`${index.origin}/simple/`, 'demo', signal, { sameOriginRedirects: true });
    const fallback = await findProjectPage(`${index.origin}/simple/`, 'other', signal, { sameOriginRedirects: true });
    const followed = await findProjectPage(`${index.origin}/simple/`, 'other', signal);

    expect(moved).toEqual({ files: [expect.objectContaining({ filename: 'demo-1.0-py3-none-any.whl', sha256: 'a'.repeat(64) })], repositoryVersion: '1.1' });
    expect(fallback).toBeNull();
    expect(followed?.files).toHaveLength(1);
    expect(elsewhere.hits).toEqual(['/simple/other/']);
  });
});
