import { HbuildError } from '../errors.js';
import { redactUrl } from './index-url.js';

/** One distribution file as an index lists it (PEP 691 JSON / PEP 503 HTML, PEP 700 fields where given). */
export interface IndexFile {
  filename: string;
  url: string;
  sha256?: string;
  size?: number;
  uploadTime?: string;
  yanked: boolean;
}

const MAX_PAGE_BYTES = 32 * 1024 * 1024;
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

/** List a project's files; JSON when the index speaks it, HTML otherwise. */
export async function listProjectFiles(indexUrl: string, project: string, signal: AbortSignal): Promise<IndexFile[]> {
  const pageUrl = new URL(`${encodeURIComponent(project)}/`, indexUrl);
  const { headers, url } = authorised(pageUrl);
  const response = await fetch(url, {
    headers: { ...headers, Accept: `${JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1` },
    signal,
    redirect: 'follow',
  }).catch((err: unknown) => {
    throw new HbuildError('ERR_FETCH', `cannot reach the index at ${redactUrl(indexUrl)} for ${project}`, { cause: err, hint: 'check the network and the index URL' });
  });
  if (response.status === 404) {
    throw new HbuildError('ERR_FETCH', `the index at ${redactUrl(indexUrl)} has no project ${project}`, { hint: 'check the name in the lock, or the index URL' });
  }
  if (!response.ok) {
    throw new HbuildError('ERR_FETCH', `the index answered ${response.status} for ${project}`, { hint: 'try again later, or check the index URL' });
  }
  const body = await readCapped(response, MAX_PAGE_BYTES);
  const type = response.headers.get('content-type') ?? '';
  const base = response.url || url.href;
  return type.includes('json') ? parseJsonPage(body, base) : parseHtmlPage(body, base);
}

export function parseJsonPage(body: string, base: string): IndexFile[] {
  const page = JSON.parse(body) as { files?: unknown };
  if (!Array.isArray(page.files)) return [];
  const files: IndexFile[] = [];
  for (const raw of page.files as Array<Record<string, unknown>>) {
    if (typeof raw?.filename !== 'string' || typeof raw.url !== 'string') continue;
    const hashes = (raw.hashes ?? {}) as Record<string, unknown>;
    files.push({
      filename: raw.filename,
      url: new URL(raw.url, base).href,
      sha256: typeof hashes.sha256 === 'string' ? hashes.sha256.toLowerCase() : undefined,
      size: typeof raw.size === 'number' ? raw.size : undefined,
      uploadTime: typeof raw['upload-time'] === 'string' ? raw['upload-time'] : undefined,
      yanked: raw.yanked !== undefined && raw.yanked !== false,
    });
  }
  return files;
}

export function parseHtmlPage(body: string, base: string): IndexFile[] {
  const files: IndexFile[] = [];
  for (const match of body.matchAll(/<a\s([^>]*)>([^<]*)<\/a>/gi)) {
    const attrs = match[1] ?? '';
    const href = /href\s*=\s*"([^"]*)"/i.exec(attrs)?.[1] ?? /href\s*=\s*'([^']*)'/i.exec(attrs)?.[1];
    if (!href) continue;
    const url = new URL(decodeEntities(href), base);
    const sha = /^#sha256=([0-9a-fA-F]{64})$/.exec(url.hash)?.[1];
    url.hash = '';
    files.push({
      filename: decodeEntities((match[2] ?? '').trim()),
      url: url.href,
      sha256: sha?.toLowerCase(),
      yanked: /data-yanked/i.test(attrs),
    });
  }
  return files;
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

/** Credentials embedded in the index URL go into an Authorization header, never into logs. */
export function authorised(url: URL): { url: URL; headers: Record<string, string> } {
  if (!url.username && !url.password) return { url, headers: {} };
  const clean = new URL(url.href);
  const token = Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64');
  clean.username = '';
  clean.password = '';
  return { url: clean, headers: { Authorization: `Basic ${token}` } };
}

async function readCapped(response: Response, max: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body ?? []) {
    total += chunk.length;
    if (total > max) throw new HbuildError('ERR_FETCH', `index page larger than ${max} bytes`, { hint: 'the index is misbehaving' });
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
