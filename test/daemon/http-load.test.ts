import { request, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonApi } from '../../src/daemon/api.js';
import { listenTcp, listenUnix } from '../../src/daemon/http/listen.js';
import { createApiServer } from '../../src/daemon/http/server.js';
import { useTempDir } from '../helpers/tmp.js';

const TOKEN = 't'.repeat(40);
const AUTH = { authorization: `Bearer ${TOKEN}` };
/** Every request and held connection in this file gives up by itself after this long. */
const GIVE_UP_MS = 20_000;

type Target = { socketPath: string } | { host: string; port: number };

interface Answer {
  status?: number;
  retryAfter?: string;
  body?: string;
  error?: string;
  ms: number;
}

const api: DaemonApi = {
  submit: () => Promise.reject(new Error('not in this test')),
  listJobs: () => [],
  getJob: () => {
    throw new Error('not in this test');
  },
  cancelJob: () => Promise.reject(new Error('not in this test')),
  followEvents: () => Promise.resolve(() => undefined),
  health: () => ({ status: 'ok' }),
  metrics: () => Promise.resolve({ contentType: 'text/plain', text: '' }),
  schedules: () => [],
};

/** One request on a connection of its own; never rejects, an error or a timeout is part of the answer. */
function get(target: Target, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (answer: Omit<Answer, 'ms'>): void => resolve({ ...answer, ms: performance.now() - started });
    const req = request({ ...target, path, headers, agent: false, timeout: GIVE_UP_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => done({ status: res.statusCode, retryAfter: res.headers['retry-after'], body }));
      res.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.end();
  });
}

/** A connection opened first and used later, so that many are open at the daemon at once; it records everything from the start. */
interface Opened {
  socket: Socket;
  received: string;
  error?: string;
  closed: Promise<void>;
}

function open(target: Target): Promise<Opened> {
  const socket = connect('socketPath' in target ? { path: target.socketPath } : target);
  const opened: Opened = { socket, received: '', closed: new Promise((resolve) => socket.once('close', () => resolve())) };
  socket.setEncoding('utf8');
  socket.setTimeout(GIVE_UP_MS, () => socket.destroy(new Error('timeout')));
  socket.on('data', (chunk: string) => (opened.received += chunk));
  socket.on('error', (err: NodeJS.ErrnoException) => (opened.error ??= err.code ?? err.message));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(opened));
    void opened.closed.then(() => resolve(opened));
  });
}

/** Send one request on an opened connection; the answer is read when it is whole, or when the daemon hangs up. */
async function exchange(opened: Opened, head: string): Promise<Answer> {
  const started = performance.now();
  const { socket } = opened;
  const whole = new Promise<void>((resolve) => {
    const check = (): void => {
      if (isWhole(opened.received)) resolve();
    };
    socket.on('data', check);
  });
  if (!socket.destroyed) socket.write(head);
  await Promise.race([whole, opened.closed]);
  const ms = performance.now() - started;
  return opened.error !== undefined && !isWhole(opened.received) ? { error: opened.error, ms } : { ...parseResponse(opened.received), ms };
}

function isWhole(text: string): boolean {
  const end = text.indexOf('\r\n\r\n');
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end))?.[1];
  return end >= 0 && length !== undefined && Buffer.byteLength(text.slice(end + 4)) >= Number(length);
}

function parseResponse(text: string): Omit<Answer, 'ms'> {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1];
  if (status === undefined) return { error: `no status line in ${JSON.stringify(text.slice(0, 80))}` };
  const retryAfter = /\r\nretry-after: *([^\r]*)/i.exec(head)?.[1];
  return { status: Number(status), body, ...(retryAfter !== undefined ? { retryAfter } : {}) };
}

/**
 * `count` connections opened all at once, then one request on each; `use` runs while they are
 * all still open. With `keep-alive` a client holds its connection after its answer, as a client
 * with a connection pool does, so the daemon has more connections open than it serves.
 */
async function burst<T = Answer[]>(
  target: Target,
  count: number,
  connection: 'close' | 'keep-alive',
  headers: Record<string, string> = {},
  use: (answers: Answer[]) => Promise<T> = (answers) => Promise.resolve(answers as T),
): Promise<T> {
  const lines = Object.entries({ host: 'hbuild', connection, ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  const head = `GET /v1/health HTTP/1.1\r\n${lines.join('')}\r\n`;
  const opened = await Promise.all(Array.from({ length: count }, () => open(target)));
  try {
    return await use(await Promise.all(opened.map((o) => exchange(o, head))));
  } finally {
    for (const o of opened) o.socket.destroy();
  }
}

/** A TCP connection that sends the start of a request and then nothing more. */
async function halfSent(port: number, partial: string): Promise<Opened> {
  const opened = await open({ host: '127.0.0.1', port });
  opened.socket.write(partial);
  return opened;
}

function summarize(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.error ?? String(a.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function expectAnsweredUnderLoad(answers: Answer[]): void {
  const errors = answers.filter((a) => a.error !== undefined);
  const busy = answers.filter((a) => a.status === 503);

  expect(errors, JSON.stringify(summarize(answers))).toEqual([]);
  expect(answers.every((a) => a.status === 200 || a.status === 503), JSON.stringify(summarize(answers))).toBe(true);
  for (const answer of busy) {
    expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
    expect(JSON.parse(answer.body ?? '')).toEqual({ error: { code: 'ERR_TOO_MANY_CONNECTIONS', message: expect.any(String) } });
  }
}

describe('daemon HTTP layer under load', () => {
  const tmp = useTempDir('daemon-load', { per: 'suite' });
  const log = pino({ level: 'silent' });
  let unix: Server;
  let tcp: Server;
  let socketPath: string;
  let port: number;

  beforeAll(async () => {
    socketPath = join(tmp.path, 'daemon.sock');
    unix = createApiServer({ api, log });
    await listenUnix(unix, socketPath);
    tcp = createApiServer({ api, log, token: TOKEN });
    ({ port } = await listenTcp(tcp, { host: '127.0.0.1', port: 0 }));
  });

  afterAll(() => {
    for (const server of [unix, tcp]) {
      server.close();
      server.closeAllConnections();
    }
  });

  const listeners = [
    ['the unix socket', (): Target => ({ socketPath }), {}],
    ['TCP with the token', (): Target => ({ host: '127.0.0.1', port }), AUTH],
  ] as const;

  it.each(listeners)('answers every one of 1,000 concurrent requests on %s with a status', async (_label, target, headers) => {
    const answers = await burst(target(), 1000, 'close', headers);

    expectAnsweredUnderLoad(answers);
    expect(answers.some((a) => a.status === 200)).toBe(true);
  });

  it.each(listeners)('answers 1,000 clients that keep their connections on %s: 200 up to the limit, then 503 with Retry-After', async (_label, target, headers) => {
    const answers = await burst(target(), 1000, 'keep-alive', headers);
    const counts = summarize(answers);

    expectAnsweredUnderLoad(answers);
    expect(counts['200']).toBeGreaterThan(0);
    expect(counts['503']).toBeGreaterThan(0);
    expect(counts['200']).toBeLessThanOrEqual(256);
  });

  it('closes a connection after its 401, so 1,000 clients without the token hold no places', async () => {
    const tcpTarget = { host: '127.0.0.1', port };

    const { answers, after } = await burst(tcpTarget, 1000, 'keep-alive', {}, async (answers) => ({ answers, after: await get(tcpTarget, '/v1/health', AUTH) }));

    expect(answers.filter((a) => a.error !== undefined)).toEqual([]);
    expect(answers.every((a) => a.status === 401 || a.status === 503)).toBe(true);
    expect(after).toMatchObject({ status: 200 });
    expect(after.ms).toBeLessThan(1000);
  });

  it('serves an authenticated client within 1 s while 300 half-sent TCP connections are held open', async () => {
    const partials = ['GET /v1/hea', 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthoriz'];
    const held = await Promise.all(Array.from({ length: 300 }, (_, i) => halfSent(port, partials[i % 2] ?? '')));
    await new Promise((resolve) => setTimeout(resolve, 200));

    try {
      const overTcp = await get({ host: '127.0.0.1', port }, '/v1/health', AUTH);
      const overUnix = await get({ socketPath }, '/v1/health');

      expect(overTcp).toMatchObject({ status: 200 });
      expect(overTcp.ms).toBeLessThan(1000);
      expect(overUnix).toMatchObject({ status: 200 });
      expect(overUnix.ms).toBeLessThan(1000);
    } finally {
      for (const h of held) h.socket.destroy();
    }
  });

  it('closes half-sent, stalled and idle TCP connections within the deadlines, each after a status line and without a reset', async () => {
    const request = `GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;
    const started = performance.now();
    const held = await Promise.all(Array.from({ length: 300 }, () => halfSent(port, 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n')));
    const idle = await halfSent(port, request);
    const stalled = await halfSent(port, request);
    await new Promise((resolve) => setTimeout(resolve, 100));
    stalled.socket.write('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const all = [...held, idle, stalled];

    try {
      const closed = await Promise.race([Promise.all(all.map((h) => h.closed)).then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 10_000))]);

      expect(closed).toBe(true);
      expect(performance.now() - started).toBeLessThan(8_000);
      expect(all.filter((h) => h.error !== undefined)).toEqual([]);
      expect(held.every((h) => /^HTTP\/1\.1 (408|503) /.test(h.received))).toBe(true);
      expect(idle.received).toMatch(/^HTTP\/1\.1 200 /);
      expect(stalled.received).toMatch(/^HTTP\/1\.1 200 [^]*HTTP\/1\.1 408 /);
    } finally {
      for (const h of all) h.socket.destroy();
    }
  });
});
