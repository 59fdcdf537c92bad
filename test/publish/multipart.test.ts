import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/digest.js';
import { encodeMultipart, multipartBytes, multipartStream } from '../../src/publish/multipart.js';
import { tempDir } from '../helpers/tmp.js';

async function wheelFile(content: Buffer) {
  const dir = await tempDir('multipart');
  const path = join(dir, 'demo-1.0-py3-none-any.whl');
  await writeFile(path, content);
  return { field: 'content', filename: 'demo-1.0-py3-none-any.whl', path, size: content.length, sha256: sha256(content) };
}

describe('the upload form body', () => {
  it('is multipart/form-data a real parser reads back: repeated fields in order, UTF-8 values, the file last, and the announced length', async () => {
    const content = Buffer.from([0, 1, 2, 13, 10, 45, 45, 255, ...Buffer.from('PK\x03\x04')]);
    const file = await wheelFile(content);
    const fields = [
      [':action', 'file_upload'],
      ['protocol_version', '1'],
      ['classifiers', 'Programming Language :: Python'],
      ['classifiers', 'License :: OSI Approved'],
      ['summary', 'Grüße, “quoted” and\r\nmulti-line'],
    ] as const;

    const body = encodeMultipart(fields, file);
    const bytes = await multipartBytes(body);
    const form = await new Response(bytes, { headers: { 'content-type': body.contentType } }).formData();

    expect(bytes.length).toBe(body.length);
    expect(form.get(':action')).toBe('file_upload');
    expect(form.getAll('classifiers')).toEqual(['Programming Language :: Python', 'License :: OSI Approved']);
    expect(form.get('summary')).toBe('Grüße, “quoted” and\r\nmulti-line');
    const sent = form.get('content') as File;
    expect(sent.name).toBe('demo-1.0-py3-none-any.whl');
    expect(Buffer.from(await sent.arrayBuffer())).toEqual(content);
    expect([...form.keys()].at(-1)).toBe('content');
  });

  it('refuses a value that contains the boundary', async () => {
    const file = await wheelFile(Buffer.from('x'));

    const attempt = () => encodeMultipart([['summary', 'a --fixed-boundary b']], file, 'fixed-boundary');

    expect(attempt).toThrow(/its summary field contains the form boundary/);
  });

  it('fails before the closing boundary when the file no longer has the checked bytes', async () => {
    const file = await wheelFile(Buffer.from('the checked bytes'));
    const body = encodeMultipart([['name', 'demo']], file);
    await writeFile(file.path, Buffer.from('other bytes, same.'));
    const chunks: Buffer[] = [];

    const failure = await (async () => {
      try {
        for await (const chunk of multipartStream(body) as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(chunk));
      } catch (err) {
        return err;
      }
      return undefined;
    })();

    expect(isHbuildError(failure, 'ERR_HASH_MISMATCH')).toBe(true);
    expect(String((failure as Error).message)).toContain('changed while it was being uploaded');
    expect(Buffer.concat(chunks).toString('latin1')).not.toContain(`${body.contentType.split('boundary=')[1]}--`);
  });
});
