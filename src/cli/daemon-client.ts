import { request, type IncomingMessage } from 'node:http';
import { resolve } from 'node:path';
import { isLoopback } from '../daemon/http/listen.js';
import { defaultSocketPath } from '../daemon/paths.js';
import { JOB_ID, type BuildSummary, type Job, type JobKind } from '../daemon/schema.js';
import { HbuildError, type ErrorCode } from '../errors.js';
import type { HbuildEvent } from '../events.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

export interface DaemonSubmitOptions {
  record?: boolean;
  only?: string[];
  jobs?: number;
  failFast?: boolean;
  /** Wheelhouse directory as the user typed it: sent as an absolute path (it must lie under the daemon's roots). */
  out?: string;
  /** As with `--json`: the closing report also names packages skipped because a requirement failed. */
  json?: boolean;
  /** `unix:///path` or `http://127.0.0.1:PORT`; default HBUILD_DAEMON, else the daemon's default socket. */
  daemon?: string;
  /** Where the closing report goes (default stderr, as in-process). */
  stderr?: NodeJS.WritableStream;
}

export interface DaemonEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
  token?: string;
  label: string;
}

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const MAX_EVENT_LINE = 1024 * 1024;

/**
 * Run a build, verify or vet through the daemon: submit the lock by path, render its events as they
 * come, and return the exit code an in-process run returns. Errors an in-process run throws (an
 * invalid lock, no Docker engine) are thrown the same, so `reportError` prints and maps them the same.
 * Aborting `signal` cancels the job and waits for the daemon to remove its containers.
 */
export async function submitViaDaemon(
  kind: JobKind,
  lockPath: string,
  options: DaemonSubmitOptions,
  render: (event: HbuildEvent) => void,
  signal: AbortSignal,
): Promise<number> {
  const endpoint = daemonEndpoint(options.daemon);
  const body = {
    kind,
    lock: { path: resolve(lockPath) },
    options: {
      ...(options.record !== undefined ? { record: options.record } : {}),
      ...(options.only && options.only.length > 0 ? { only: options.only } : {}),
      ...(options.jobs !== undefined ? { jobs: options.jobs } : {}),
      ...(options.failFast !== undefined ? { failFast: options.failFast } : {}),
      ...(options.out !== undefined ? { out: resolve(options.out) } : {}),
    },
  };
  const submitted = (await call(endpoint, 'POST', '/v1/jobs', body)) as { id?: unknown };
  if (typeof submitted.id !== 'string' || !JOB_ID.test(submitted.id)) throw new HbuildError('ERR_INTERNAL', `the daemon at ${endpoint.label} answered without a job id`);
  const id = submitted.id;
  const cancel = (): void => void call(endpoint, 'DELETE', `/v1/jobs/${id}`).catch(() => undefined);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    if (signal.aborted) cancel();
    await followEvents(endpoint, id, render).catch(() => undefined);
    const job = (await call(endpoint, 'GET', `/v1/jobs/${id}`).catch(() => ({ id }))) as Job;
    return finish(job, lockPath, options);
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}

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

function finish(job: Job, lockPath: string, options: DaemonSubmitOptions): number {
  const err = options.stderr ?? process.stderr;
  if (job.finishedAt === undefined || job.exitCode === undefined) {
    throw new HbuildError('ERR_CANCELLED', `the daemon stopped before job ${job.id} finished`, {
      hint: `it runs again when \`hbuild daemon\` starts; follow it with GET /v1/jobs/${job.id}/events`,
    });
  }
  if (job.summary?.kind === 'build') writeBuildReport(err, job.summary as BuildSummary, lockPath, options);
  else if (job.summary && 'report' in job.summary && job.summary.report) err.write(job.summary.report);
  if (job.error && job.state !== 'cancelled') {
    const code = (exitCodeFor(job.error.code as ErrorCode) === undefined ? 'ERR_INTERNAL' : job.error.code) as ErrorCode;
    throw new HbuildError(code, job.error.message, job.error.hint ? { hint: job.error.hint } : {});
  }
  return job.exitCode;
}

/** The lines `hbuild build` prints after its events, from a daemon job's summary. */
export function writeBuildReport(err: NodeJS.WritableStream, summary: BuildSummary, lockPath: string, options: Pick<DaemonSubmitOptions, 'json' | 'out'>): void {
  for (const failure of summary.failures) {
    if (failure.code === 'ERR_DEPENDENCY_FAILED' && !options.json) continue;
    err.write(`✗ ${failure.name} ${failure.version} (${failure.stage}): ${failure.message}\n`);
    if (failure.logTail) err.write(`${failure.logTail.split('\n').map((l) => `    | ${l}`).join('\n')}\n`);
    if (failure.hint) err.write(`  hint: ${failure.hint}\n`);
  }
  const skipped = summary.failures.filter((f) => f.code === 'ERR_DEPENDENCY_FAILED');
  if (skipped.length > 0) err.write(`– not built because a build requirement failed: ${skipped.map((f) => f.name).join(', ')}\n`);
  if (summary.published) err.write(`wheelhouse: ${options.out ?? summary.outDir} (${summary.ok} wheels)\n`);
  if (summary.recorded > 0) err.write(`recorded ${summary.recorded} wheel hashes in ${lockPath}\n`);
}

async function followEvents(endpoint: DaemonEndpoint, id: string, render: (event: HbuildEvent) => void): Promise<void> {
  const res = await open(endpoint, 'GET', `/v1/jobs/${id}/events`);
  if (res.statusCode !== 200) {
    res.resume();
    return;
  }
  let pending = '';
  for await (const chunk of res as AsyncIterable<Buffer>) {
    pending += chunk.toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      const event = parseEvent(line);
      if (event) render(event);
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
async function call(endpoint: DaemonEndpoint, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await open(endpoint, method, path, body);
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
  throw new HbuildError('ERR_USAGE', `the daemon refused ${method} ${path}: ${message}`);
}

function open(endpoint: DaemonEndpoint, method: string, path: string, body?: unknown): Promise<IncomingMessage> {
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
