import { request, type IncomingMessage } from 'node:http';
import { HbuildError } from '../core/errors.js';
import type { HbuildEvent } from '../core/events.js';
import { isLoopback } from './http/listen.js';
import { defaultSocketPath } from './paths.js';

/** How a client reaches the daemon: its unix socket, or loopback TCP with a bearer token. */
export interface DaemonEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  token?: string;
  label: string;
}

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const MAX_EVENT_LINE = 1024 * 1024;

/** Where the daemon is: `unix:///path`, `http://127.0.0.1:PORT` (with HBUILD_DAEMON_TOKEN), or the default socket. */
export function daemonEndpoint(spec?: string, env: NodeJS.ProcessEnv = process.env): DaemonEndpoint {
  const text = spec ?? env.HBUILD_DAEMON ?? '';
  if (text === '' || text === '1') return { socketPath: defaultSocketPath(env), label: defaultSocketPath(env) };
  const bad = (why: string): HbuildError =>
    new HbuildError('ERR_USAGE', `cannot use daemon address ${JSON.stringify(text)}: ${why}`, { hint: 'use unix:///path/to/daemon.sock or http://127.0.0.1:PORT' });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('not a URL');
  }
  if (url.protocol === 'unix:') return { socketPath: url.pathname, label: url.pathname };
  if (url.protocol !== 'http:') throw bad('only unix: and http: are understood');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isLoopback(host)) throw bad('only a loopback address may be reached without TLS');
  const token = env.HBUILD_DAEMON_TOKEN;
  if (!token) throw new HbuildError('ERR_USAGE', 'HBUILD_DAEMON_TOKEN is not set', { hint: 'put the daemon\'s token (its --token-file) in HBUILD_DAEMON_TOKEN' });
  return { host, port: Number(url.port || 80), token, label: `${host}:${url.port}` };
}

/** The job's events, past then live, until the job ends (the daemon closes the stream). */
export async function followJobEvents(endpoint: DaemonEndpoint, id: string, onEvent: (event: HbuildEvent) => void): Promise<void> {
  const res = await openRequest(endpoint, 'GET', `/v1/jobs/${id}/events`);
  res.setEncoding('utf8');
  if (res.statusCode !== 200) {
    res.resume();
    return;
  }
  let pending = '';
  for await (const chunk of res as AsyncIterable<string>) {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const event = parseEvent(line);
      if (event) onEvent(event);
    }
    if (pending.length > MAX_EVENT_LINE) pending = '';
  }
}

function parseEvent(line: string): HbuildEvent | null {
  try {
    const value = JSON.parse(line) as { type?: unknown };
    return value && (value.type === 'run' || value.type === 'package' || value.type === 'log') ? (value as HbuildEvent) : null;
  } catch {
    return null;
  }
}

/** One JSON request; a non-2xx answer becomes the HbuildError a user can act on. */
/** A busy daemon refuses a connection before it reads the request: that is safe to send again, a few times. */
const BUSY_RETRIES = 5;
const MAX_RETRY_AFTER_SECONDS = 5;

export async function callDaemon(endpoint: DaemonEndpoint, method: string, path: string, body?: unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await callOnce(endpoint, method, path, body);
    } catch (err) {
      const retryAfter = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter === undefined || attempt >= BUSY_RETRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, MAX_RETRY_AFTER_SECONDS) * 1000));
    }
  }
}

async function callOnce(endpoint: DaemonEndpoint, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await openRequest(endpoint, method, path, body);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_RESPONSE_BYTES) throw new HbuildError('ERR_INTERNAL', `the daemon's answer to ${method} ${path} is too large`);
    chunks.push(chunk);
  }
  let data: { error?: { code?: string; message?: string } } & Record<string, unknown>;
  try {
    data = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof data;
  } catch {
    throw new HbuildError('ERR_INTERNAL', `the daemon at ${endpoint.label} answered ${method} ${path} with something that is not JSON`);
  }
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300) return data;
  const message = data.error?.message ?? `HTTP ${status}`;
  if (status === 401) throw new HbuildError('ERR_USAGE', `the daemon at ${endpoint.label} refused the token: ${message}`, { hint: 'set HBUILD_DAEMON_TOKEN to the content of the daemon\'s --token-file' });
  if (status === 403) throw new HbuildError('ERR_USAGE', message, { hint: 'start the daemon with --roots covering the lock file and wheelhouse, or run without --daemon' });
  const refused = new HbuildError('ERR_USAGE', `the daemon refused ${method} ${path}: ${message}`);
  if (status === 503 && data.error?.code === 'ERR_TOO_MANY_CONNECTIONS') {
    const seconds = Number(res.headers['retry-after'] ?? 1);
    Object.assign(refused, { retryAfterSeconds: Number.isFinite(seconds) && seconds >= 0 ? seconds : 1 });
  }
  throw refused;
}

function openRequest(endpoint: DaemonEndpoint, method: string, path: string, body?: unknown): Promise<IncomingMessage> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolveResponse, reject) => {
    const req = request(
      {
        ...(endpoint.socketPath ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port }),
        method,
        path,
        headers: {
          accept: 'application/json',
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
          ...(endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {}),
        },
      },
      resolveResponse,
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        new HbuildError('ERR_USAGE', `no hbuild daemon answers at ${endpoint.label} (${err.code ?? err.message})`, {
          hint: 'start one with `hbuild daemon`, point HBUILD_DAEMON at it, or run without --daemon',
          cause: err,
        }),
      );
    });
    req.end(payload);
  });
}
