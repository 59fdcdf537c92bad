import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { MAX_LOCK_BYTES } from '../../lockfile/read-file.js';
import type { DaemonApi } from '../api.js';
import type { Exposition } from '../metrics.js';
import { JobId, SubmitRequest } from '../schema.js';
import { guardConnections, TCP_LIMITS, UNIX_LIMITS, type ConnectionLimits } from './admission.js';
import { bearerMatches } from './auth.js';
import { readJsonBody } from './body.js';
import { ApiError, sendError, sendJson } from './http-errors.js';

/** Room for a lock of MAX_LOCK_BYTES with JSON escaping (each newline costs two bytes) and the envelope. */
export const MAX_BODY_BYTES = 2 * MAX_LOCK_BYTES + 64 * 1024;
const MAX_URL_LENGTH = 2048;
/** A reader this far behind an event stream is cut off rather than buffered for. */
const MAX_STREAM_BACKLOG = 8 * 1024 * 1024;
/** A whole request, body included, must have arrived by then; a lock of MAX_LOCK_BYTES takes milliseconds on one machine. */
const REQUEST_TIMEOUT_MS = 30_000;
/** An idle keep-alive connection is closed after this, so idle clients do not hold places. */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

type Handler = (req: IncomingMessage, res: ServerResponse, id: string) => Promise<void>;

export interface ServerOptions {
  api: DaemonApi;
  log: Logger;
  /** When set (TCP), every request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Defaults: TCP_LIMITS with a token, UNIX_LIMITS without. Each server has its own, so a flood on one listener leaves the other alone. */
  limits?: ConnectionLimits;
}

export function createApiServer(options: ServerOptions): Server {
  const routes = routeTable(options.api);
  const limits = options.limits ?? (options.token === undefined ? UNIX_LIMITS : TCP_LIMITS);
  const server = createServer(
    {
      // The guard's deadline covers a connection's first request headers; these cover later requests on a kept-alive one.
      headersTimeout: limits.headerDeadlineMs,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: 1_000,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
    (req, res) => {
      if (guard.isClosing(req.socket)) return;
      handle(req, res).catch((err: unknown) => {
        if (err instanceof ApiError) return sendError(res, err);
        options.log.error({ err, method: req.method, url: req.url }, 'request failed');
        sendError(res, new ApiError(500, 'ERR_INTERNAL', 'internal error; see the daemon log'));
      });
    },
  );
  const guard = guardConnections(server, limits, options.log, options.token === undefined ? 'unix' : 'tcp');

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (options.token !== undefined && !bearerMatches(req.headers.authorization, options.token)) {
      // Closed after the answer: a connection without the token holds no place for longer than one request.
      throw new ApiError(401, 'ERR_UNAUTHORIZED', 'a bearer token is required', { 'www-authenticate': 'Bearer realm="hbuild"', connection: 'close' });
    }
    const url = req.url ?? '/';
    if (url.length > MAX_URL_LENGTH) throw new ApiError(414, 'ERR_BAD_REQUEST', 'request URL is too long');
    const path = url.split('?')[0] ?? '/';
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      const handler = route.methods[req.method ?? ''];
      if (!handler) {
        throw new ApiError(405, 'ERR_METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`, { allow: Object.keys(route.methods).join(', ') });
      }
      const id = match[1] ?? '';
      if (match[1] !== undefined && !JobId.safeParse(id).success) throw new ApiError(404, 'ERR_NOT_FOUND', `no job ${id.slice(0, 64)}`);
      return handler(req, res, id);
    }
    throw new ApiError(404, 'ERR_NOT_FOUND', `no such endpoint: ${path.slice(0, 200)}`);
  }
  return server;
}

function routeTable(api: DaemonApi): Array<{ pattern: RegExp; methods: Record<string, Handler> }> {
  return [
    { pattern: /^\/v1\/health$/, methods: { GET: async (_q, res) => sendJson(res, 200, api.health()) } },
    { pattern: /^\/(?:v1\/)?metrics$/, methods: { GET: async (_q, res) => sendText(res, await api.metrics()) } },
    { pattern: /^\/v1\/schedules$/, methods: { GET: async (_q, res) => sendJson(res, 200, { schedules: api.schedules() }) } },
    {
      pattern: /^\/v1\/jobs$/,
      methods: {
        GET: async (_q, res) => sendJson(res, 200, { jobs: api.listJobs() }),
        POST: async (req, res) => {
          const request = parseSubmit(await readJsonBody(req, MAX_BODY_BYTES));
          const job = await api.submit(request);
          sendJson(res, 202, { id: job.id, job }, { location: `/v1/jobs/${job.id}` });
        },
      },
    },
    {
      pattern: /^\/v1\/jobs\/([^/]+)$/,
      methods: {
        GET: async (_q, res, id) => sendJson(res, 200, api.getJob(id)),
        DELETE: async (_q, res, id) => sendJson(res, 202, await api.cancelJob(id)),
      },
    },
    { pattern: /^\/v1\/jobs\/([^/]+)\/events$/, methods: { GET: streamEvents(api) } },
  ];
}

function parseSubmit(body: unknown): SubmitRequest {
  const parsed = SubmitRequest.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw new ApiError(400, 'ERR_BAD_REQUEST', `invalid job request: ${problems.join('; ')}`);
}

/** NDJSON: every past event, then live ones; the response ends when the job does. */
function streamEvents(api: DaemonApi): Handler {
  return async (_req, res, id) => {
    api.getJob(id);
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.flushHeaders();
    const unsubscribe = await api.followEvents(id, {
      line: (line) => {
        if (res.writableLength > MAX_STREAM_BACKLOG) res.destroy();
        else res.write(line);
      },
      end: () => res.end(),
    });
    res.on('close', unsubscribe);
    if (res.writableEnded || res.destroyed) unsubscribe();
  };
}

function sendText(res: ServerResponse, { contentType, text }: Exposition): void {
  res.writeHead(200, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
  res.end(text);
}
