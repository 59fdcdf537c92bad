import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/core/digest.js';
import { answerLine, MAX_RESPONSE_BYTES, readAnswer, uploadFile } from '../../src/publish/upload.js';
import { refusal } from '../helpers/errors.js';
import { tempDir } from '../helpers/tmp.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  server = undefined;
});

/** A loopback server that answers every request with `answer`, after reading the whole body. */
async function answering(answer: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void): Promise<{ url: URL; requests: Array<{ headers: IncomingMessage['headers']; body: Buffer }> }> {
  const requests: Array<{ headers: IncomingMessage['headers']; body: Buffer }> = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ headers: req.headers, body });
      answer(req, res, body);
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const address = server.address() as { port: number };
  return { url: new URL(`http://127.0.0.1:${address.port}/legacy/`), requests };
}

async function request(url: URL) {
  const dir = await tempDir('upload');
  const content = Buffer.from('wheel bytes');
  const path = join(dir, 'demo-1.0-py3-none-any.whl');
  await writeFile(path, content);
  return {
    url,
    credentials: { username: 'me', password: 'secret-pw', usernameFrom: 'flag' as const, passwordFrom: 'environment' as const },
    fields: [[':action', 'file_upload'] as const],
    file: { field: 'content', filename: 'demo-1.0-py3-none-any.whl', path, size: content.length, sha256: sha256(content) },
    signal: new AbortController().signal,
  };
}

describe('one upload', () => {
  it('sends Basic credentials, a Content-Length and the form; a 200 is an upload', async () => {
    const index = await answering((_req, res) => res.end('OK'));

    const outcome = await uploadFile(await request(index.url));

    expect(outcome).toEqual({ kind: 'uploaded', status: 200 });
    const [sent] = index.requests;
    expect(sent?.headers.authorization).toBe(`Basic ${Buffer.from('me:secret-pw').toString('base64')}`);
    expect(Number(sent?.headers['content-length'])).toBe(sent?.body.length);
    expect(sent?.body.toString()).toContain('name=":action"');
  });

  it('takes "already exists" answers (400 and 409) as a file that is there, for the caller to compare', async () => {
    const index = await answering((_req, res) => {
      res.statusCode = 400;
      res.statusMessage = 'File already exists';
      res.end('<html><body>File already exists. See /help</body></html>');
    });

    const outcome = await uploadFile(await request(index.url));

    expect(outcome).toEqual({ kind: 'exists', status: 400, message: 'File already exists File already exists. See /help' });
  });

  it('does not follow a redirect, and names where it pointed without credentials', async () => {
    const index = await answering((_req, res) => {
      res.writeHead(301, { location: 'https://user:pw@elsewhere.test/legacy/' });
      res.end();
    });

    const err = await refusal(uploadFile(await request(index.url)));

    expect(err.code).toBe('ERR_UPLOAD_REFUSED');
    expect(err.message).toMatch(/with a redirect \(301\) to https:\/\/\*\*\*@elsewhere\.test\/legacy\//);
    expect(index.requests).toHaveLength(1);
  });

  it('reports a refused password without the password, and a huge error page as one short line', async () => {
    const denied = await answering((_req, res) => {
      res.statusCode = 403;
      res.end('Invalid or non-existent authentication information.');
    });
    const deniedErr = await refusal(uploadFile(await request(denied.url)));
    await new Promise((r) => server?.close(r));
    const flood = await answering((_req, res) => {
      res.statusCode = 500;
      res.end(`<script>alert(1)</script>\x1b[31m${'x'.repeat(5 * 1024 * 1024)}`);
    });

    const floodErr = await refusal(uploadFile(await request(flood.url)));

    expect(deniedErr.message).toContain('refused the credentials of user me (403: Forbidden Invalid or non-existent authentication information.)');
    expect(deniedErr.message).not.toContain('secret-pw');
    expect(floodErr.code).toBe('ERR_UPLOAD_REFUSED');
    expect(floodErr.message.length).toBeLessThan(500);
    expect(floodErr.message).not.toMatch(/alert|\x1b/);
  });
});

describe('reading an index\'s answer', () => {
  it('reads at most 64 KiB of a body', async () => {
    const body = new Response('y'.repeat(4 * MAX_RESPONSE_BYTES));

    const text = await readAnswer(body);

    expect(text.length).toBe(MAX_RESPONSE_BYTES);
  });

  it('folds an answer into one plain line of at most 300 characters, entities decoded', () => {
    const line = answerLine('Bad Request', `<p>Package &#039;x&#039; &amp; more</p>\n\u202e\u0007${'z'.repeat(1000)}`);

    expect(line.startsWith("Bad Request Package 'x' & more z")).toBe(true);
    expect(line.length).toBe(300);
    expect(line).not.toMatch(/[\u0000-\u001f\u202e]/);
  });
});
