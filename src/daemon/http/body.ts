import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.js';

const JSON_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

/**
 * Read a JSON request body of at most `maxBytes`. The limit is enforced on the declared length
 * before anything is read and again on every chunk; the connection is closed after an oversized body.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    throw new ApiError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'request body must be JSON (Content-Type: application/json)');
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && !(Number(declared) <= maxBytes)) throw tooLarge(maxBytes);

  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks, length));
  } catch {
    throw new ApiError(400, 'ERR_INVALID_JSON', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'ERR_INVALID_JSON', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'ERR_TOO_LARGE', `request body is larger than ${maxBytes} bytes`, { connection: 'close' });
}
