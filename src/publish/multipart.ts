import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { HbuildError } from '../core/errors.js';
import type { FormField } from './wheel-metadata.js';

const CRLF = '\r\n';
const SAFE_NAME = /^[A-Za-z0-9_:.-]{1,64}$/;
const SAFE_FILE = /^[A-Za-z0-9_.!+-]{1,255}$/;

/** The file part of the form: a file on disk that must still hash to `sha256` as it is sent. */
export interface FormFile {
  field: string;
  filename: string;
  path: string;
  size: number;
  sha256: string;
}

/** A multipart/form-data body whose length is known before a byte is sent (indexes want Content-Length). */
export interface MultipartBody {
  contentType: string;
  length: number;
  head: Buffer;
  tail: Buffer;
  file: FormFile;
}

/**
 * Lay out a multipart/form-data body (RFC 7578): every field, then the file last. Field
 * names and the file name are our own and must be plain; values are UTF-8 text and must not
 * contain the boundary, which is random per body.
 */
export function encodeMultipart(fields: readonly FormField[], file: FormFile, boundary = `hbuild-${randomBytes(16).toString('hex')}`): MultipartBody {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  for (const [name, value] of fields) {
    if (!SAFE_NAME.test(name)) throw new Error(`form field name ${JSON.stringify(name)} is not plain`);
    if (value.includes(delimiter)) {
      throw new HbuildError('ERR_WHEEL_INVALID', `${file.filename}: its ${name} field contains the form boundary`, { hint: 'run again; the boundary is random' });
    }
    parts.push(`${delimiter}${CRLF}Content-Disposition: form-data; name="${name}"${CRLF}${CRLF}${value}${CRLF}`);
  }
  if (!SAFE_NAME.test(file.field) || !SAFE_FILE.test(file.filename)) throw new Error(`form file ${JSON.stringify(file.filename)} is not plain`);
  parts.push(`${delimiter}${CRLF}Content-Disposition: form-data; name="${file.field}"; filename="${file.filename}"${CRLF}Content-Type: application/octet-stream${CRLF}${CRLF}`);
  const head = Buffer.from(parts.join(''), 'utf8');
  const tail = Buffer.from(`${CRLF}${delimiter}--${CRLF}`, 'utf8');
  return { contentType: `multipart/form-data; boundary=${boundary}`, length: head.length + file.size + tail.length, head, tail, file };
}

/**
 * The body as a stream. The file is hashed as it is read: if its bytes are not the ones that
 * were checked (the file changed in between), the stream fails before the closing boundary,
 * so the index never receives a complete upload.
 */
export function multipartStream(body: MultipartBody): ReadableStream<Uint8Array> {
  async function* parts(): AsyncGenerator<Uint8Array> {
    yield body.head;
    const hash = createHash('sha256');
    let sent = 0;
    for await (const chunk of createReadStream(body.file.path) as AsyncIterable<Buffer>) {
      sent += chunk.length;
      if (sent > body.file.size) break;
      hash.update(chunk);
      yield chunk;
    }
    const actual = hash.digest('hex');
    if (sent !== body.file.size || actual !== body.file.sha256) {
      throw new HbuildError('ERR_HASH_MISMATCH', `${body.file.filename} changed while it was being uploaded (expected sha256 ${body.file.sha256})`, {
        hint: 'the upload was cut off before it was complete; find out what changed the wheelhouse, then publish again',
      });
    }
    yield body.tail;
  }
  return ReadableStream.from(parts());
}

/** The whole body in memory: for tests and small bodies. */
export async function multipartBytes(body: MultipartBody): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of multipartStream(body) as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
