import { HbuildError } from '../core/errors.js';
import { HBUILD_VERSION } from '../core/version.js';
import { redactUrl } from '../fetch/index-url.js';
import type { UploadCredentials } from './credentials.js';
import { encodeMultipart, multipartStream, type FormFile } from './multipart.js';
import type { FormField } from './wheel-metadata.js';
import { readHead } from './read-head.js';

/** Largest answer read from an upload; indexes answer a line or a short page. */
export const MAX_RESPONSE_BYTES = 64 * 1024;
const UPLOAD_TIMEOUT_MS = 15 * 60_000;

/** How an upload ended, when it did not fail: stored, or refused because a file of that name exists. */
export type UploadOutcome = { kind: 'uploaded'; status: number } | { kind: 'exists'; status: number; message: string };

export interface UploadRequest {
  /** The upload URL, without credentials. */
  url: URL;
  credentials: UploadCredentials;
  fields: readonly FormField[];
  file: FormFile;
  signal: AbortSignal;
}

/**
 * POST one file through the legacy upload API (`:action=file_upload`). Redirects are not
 * followed (they would resend the credentials elsewhere, or turn a POST into a GET): the
 * answer says which URL to use. The answer's body is read up to 64 KiB and only a sanitised
 * line of it is shown.
 */
export async function uploadFile(request: UploadRequest): Promise<UploadOutcome> {
  const body = encodeMultipart(request.fields, request.file);
  const { username, password } = request.credentials;
  const response = await fetch(request.url, {
    method: 'POST',
    redirect: 'manual',
    duplex: 'half',
    body: multipartStream(body),
    headers: {
      'Content-Type': body.contentType,
      'Content-Length': String(body.length),
      Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      'User-Agent': `hbuild/${HBUILD_VERSION}`,
    },
    signal: AbortSignal.any([request.signal, AbortSignal.timeout(UPLOAD_TIMEOUT_MS)]),
  } as RequestInit).catch((err: unknown) => {
    const cause = err instanceof Error ? err.cause : undefined;
    if (cause instanceof HbuildError) throw cause;
    if (request.signal.aborted) throw new HbuildError('ERR_CANCELLED', `the upload of ${request.file.filename} was interrupted`, { hint: 'publish again: files already on the index are skipped' });
    throw new HbuildError('ERR_FETCH', `cannot upload ${request.file.filename} to ${redactUrl(request.url.href)}`, { cause: err, hint: 'check the network and the --repository URL, then publish again (files already there are skipped)' });
  });
  const message = answerLine(response.statusText, await readAnswer(response));
  const where = redactUrl(request.url.href);
  if (response.status >= 200 && response.status < 300) return { kind: 'uploaded', status: response.status };
  if (response.status >= 300 && response.status < 400) {
    throw new HbuildError('ERR_UPLOAD_REFUSED', `${where} answered the upload of ${request.file.filename} with a redirect (${response.status}) to ${redactUrl(response.headers.get('location') ?? '?')}`, {
      hint: 'pass the upload URL itself as --repository (redirects are not followed with credentials)',
    });
  }
  if (response.status === 401 || response.status === 403) {
    throw new HbuildError('ERR_UPLOAD_REFUSED', `${where} refused the credentials of user ${request.credentials.username} (${response.status}${message === '' ? '' : `: ${message}`})`, {
      hint: `the password came from ${request.credentials.passwordFrom}; check it, and that this user may upload ${request.file.filename}`,
    });
  }
  if ((response.status === 400 || response.status === 409) && /already exists|file exists|overwrite/i.test(message)) {
    return { kind: 'exists', status: response.status, message };
  }
  throw new HbuildError('ERR_UPLOAD_REFUSED', `${where} refused ${request.file.filename} (${response.status}${message === '' ? '' : `: ${message}`})`, {
    hint: 'files before it were uploaded and stay; fix what the index says, then publish again (they are skipped)',
    details: { status: response.status },
  });
}

/** At most MAX_RESPONSE_BYTES of an answer; the rest is not read. */
export async function readAnswer(response: Response, max = MAX_RESPONSE_BYTES): Promise<string> {
  return response.body === null ? '' : readHead(response.body, max, true);
}

/**
 * One line fit for a terminal from an index's answer: the reason phrase and the body's text,
 * HTML tags and control characters removed, whitespace folded, at most 300 characters.
 */
export function answerLine(statusText: string, body: string): string {
  const text = `${statusText} ${body.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ')}`
    .replace(/&#0*39;|&#x0*27;|&apos;/gi, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
