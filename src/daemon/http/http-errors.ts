import { STATUS_CODES, type ServerResponse } from 'node:http';

/** The API's own error vocabulary; every 4xx/5xx body is `{ error: { code, message } }`. */
export type ApiErrorCode =
  | 'ERR_BAD_REQUEST'
  | 'ERR_INVALID_JSON'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_TOO_LARGE'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_FORBIDDEN_PATH'
  | 'ERR_NOT_FOUND'
  | 'ERR_METHOD_NOT_ALLOWED'
  | 'ERR_CONFLICT'
  | 'ERR_QUEUE_FULL'
  | 'ERR_TOO_MANY_CONNECTIONS'
  | 'ERR_REQUEST_TIMEOUT'
  | 'ERR_NOT_IMPLEMENTED'
  | 'ERR_SHUTTING_DOWN'
  | 'ERR_INTERNAL';

/** Thrown by handlers for an answer other than success; the server turns it into a JSON error response. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly headers: Record<string, string>;

  constructor(status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(text);
}

/**
 * A whole error response for writing straight onto a socket, where no HTTP parser or
 * ServerResponse is involved: the same JSON body, and the connection closes after it.
 */
export function rawErrorResponse(status: number, code: ApiErrorCode, message: string, headers: Record<string, string> = {}): string {
  const text = `${JSON.stringify({ error: { code, message } })}\n`;
  const fields = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    connection: 'close',
    ...headers,
  };
  const head = Object.entries(fields).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${head.join('')}\r\n${text}`;
}

export function sendError(res: ServerResponse, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}
