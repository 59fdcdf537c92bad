import type { IncomingMessage } from 'node:http';
import { ApiError } from './http-errors.js';

const JSON_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;

/**
 * Read a JSON request body of at most `maxBytes`. The limit is enforced on the declared length
 * before anything is read and again on every chunk. The rest of an oversized body is drained, not
 * buffered, so the client still reads its 413 (the server's request timeout bounds the draining).
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    throw new ApiError(415, 'ERR_UNSUPPORTED_MEDIA_TYPE', 'request body must be JSON (Content-Type: application/json)');
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && !(Number(declared) <= maxBytes)) throw tooLarge(maxBytes);

  const body = await readLimited(req, maxBytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ApiError(400, 'ERR_INVALID_JSON', 'request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(400, 'ERR_INVALID_JSON', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

function readLimited(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.resume();
      chunks.length = 0;
      reject(tooLarge(maxBytes));
    };
    req.on('data', onData);
    req.once('end', () => {
      if (length <= maxBytes) resolve(Buffer.concat(chunks, length));
    });
    req.once('error', reject);
  });
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'ERR_TOO_LARGE', `request body is larger than ${maxBytes} bytes`);
}
