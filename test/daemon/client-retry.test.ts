import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { callDaemon } from '../../src/daemon/client.js';
import { useTempDir } from '../helpers/tmp.js';

/** A stand-in daemon that refuses the first `busy` requests as an overloaded daemon does. */
async function busyDaemon(socketPath: string, busy: number, code = 'ERR_TOO_MANY_CONNECTIONS'): Promise<{ seen: () => number; close: () => Promise<void> }> {
  let seen = 0;
  const server = createServer((_req, res) => {
    seen++;
    if (seen <= busy) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
      res.end(JSON.stringify({ error: { code, message: 'busy' } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'ok' }));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { seen: () => seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('callDaemon', () => {
  const dir = useTempDir('client-retry');

  it('sends a request a busy daemon refused before reading it again, after Retry-After', async () => {
    const socketPath = join(dir.path, 'd.sock');
    const daemon = await busyDaemon(socketPath, 2);

    const answer = await callDaemon({ socketPath, label: socketPath }, 'GET', '/v1/health');
    await daemon.close();

    expect(answer).toEqual({ status: 'ok' });
    expect(daemon.seen()).toBe(3);
  });

  it('does not retry other refusals', async () => {
    const socketPath = join(dir.path, 'd.sock');
    const daemon = await busyDaemon(socketPath, 1, 'ERR_STOPPING');

    const refused = await callDaemon({ socketPath, label: socketPath }, 'GET', '/v1/health').catch((err: unknown) => err);
    await daemon.close();

    expect(refused).toMatchObject({ code: 'ERR_USAGE', message: 'the daemon refused GET /v1/health: busy' });
    expect(daemon.seen()).toBe(1);
  });
});
