import { throughOrigin } from './host-gate.js';
import { transientFetchError, transientStatus, withRetries } from './retry.js';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { redactUrl } from './index-url.js';

/** One distribution file as an index lists it (PEP 691 JSON / PEP 503 HTML, PEP 700 fields where given). */
export interface IndexFile {
  filename: string;
  url: string;
  sha256?: string;
  size?: number;
  uploadTime?: string;
  yanked: boolean;
  /** PEP 503 `data-requires-python` / PEP 691 `requires-python`, entities decoded. */
  requiresPython?: string;
}

/** A user name and password for one host, e.g. from a netrc file. */
export interface Credentials {
  login: string;
  password: string;
}

export interface ListOptions {
  /** Credentials for a URL that carries none itself (netrc); never logged. */
  credentialsFor?: (url: URL) => Credentials | undefined;
  /**
   * Follow redirects only within the index's origin; a redirect elsewhere means the index does
   * not hold the project (pypiserver's fallback sends unknown names to another index).
   */
  sameOriginRedirects?: boolean;
}

const MAX_REDIRECTS = 5;

const MAX_PAGE_BYTES = 32 * 1024 * 1024;
const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';

/** List a project's files; JSON when the index speaks it, HTML otherwise. */
export async function listProjectFiles(indexUrl: string, project: string, signal: AbortSignal, options: ListOptions = {}): Promise<IndexFile[]> {
  const files = await findProjectFiles(indexUrl, project, signal, options);
  if (files === null) {
    throw new HbuildError('ERR_FETCH', `the index at ${redactUrl(indexUrl)} has no project ${project}`, { hint: 'check the name in the lock, or the index URL' });
  }
  return files;
}

/** Like listProjectFiles, but a project the index does not serve (HTTP 404) is null rather than an error. */
export async function findProjectFiles(indexUrl: string, project: string, signal: AbortSignal, options: ListOptions = {}): Promise<IndexFile[] | null> {
  return (await findProjectPage(indexUrl, project, signal, options))?.files ?? null;
}

/** A project's page: its files and the repository version it declares (PEP 629 / PEP 691 `api-version`). */
export interface ProjectPage {
  files: IndexFile[];
  /** `major.minor`, when the page names one. */
  repositoryVersion?: string;
}

/** Like findProjectFiles, with the page's declared repository version (what `hbuild publish` needs). */
export async function findProjectPage(indexUrl: string, project: string, signal: AbortSignal, options: ListOptions = {}): Promise<ProjectPage | null> {
  const pageUrl = new URL(`${encodeURIComponent(project)}/`, indexUrl);
  return withRetries(signal, () => throughOrigin(pageUrl, signal, () => readProjectPage(indexUrl, pageUrl, project, signal, options)));
}

async function readProjectPage(indexUrl: string, pageUrl: URL, project: string, signal: AbortSignal, options: ListOptions): Promise<ProjectPage | null> {
  const { headers, url } = authorised(pageUrl, options.credentialsFor);
  const get = (target: URL): Promise<Response> =>
    fetch(target, {
      headers: { ...headers, Accept: `${JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1` },
      signal,
      redirect: options.sameOriginRedirects === true ? 'manual' : 'follow',
    }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      throw transientFetchError(`cannot reach the index at ${redactUrl(indexUrl)} for ${project}`, { cause: err, hint: 'check the network and the index URL' });
    });
  let response = await get(url);
  for (let hops = 0; options.sameOriginRedirects === true && response.status >= 300 && response.status < 400; hops++) {
    await response.body?.cancel();
    const location = response.headers.get('location');
    const next = location === null ? undefined : new URL(location, url);
    if (next === undefined || next.origin !== url.origin) return null;
    if (hops >= MAX_REDIRECTS) throw new HbuildError('ERR_FETCH', `the index at ${redactUrl(indexUrl)} redirects ${project} more than ${MAX_REDIRECTS} times`, { hint: 'the index is misbehaving' });
    response = await get(next);
  }
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  if (!response.ok) {
    await response.body?.cancel();
    const message = `the index answered ${response.status} for ${project}`;
    const hint = 'try again later, or check the index URL';
    if (transientStatus(response.status)) throw transientFetchError(message, { hint, status: response.status });
    throw new HbuildError('ERR_FETCH', message, { hint, details: { status: response.status } });
  }
  const body = await readCapped(response, MAX_PAGE_BYTES).catch((err: unknown) => {
    if (isHbuildError(err) || signal.aborted) throw err;
    throw transientFetchError(`the index's page for ${project} broke off`, { cause: err, hint: 'check the network and try again' });
  });
  const type = response.headers.get('content-type') ?? '';
  const base = response.url || url.href;
  try {
    const json = type.includes('json');
    const files = json ? parseJsonPage(body, base) : parseHtmlPage(body, base);
    const repositoryVersion = json ? jsonApiVersion(body) : htmlRepositoryVersion(body);
    return repositoryVersion === undefined ? { files } : { files, repositoryVersion };
  } catch (err) {
    throw new HbuildError('ERR_FETCH', `the index at ${redactUrl(indexUrl)} sent an unreadable page for ${project}`, { cause: err, hint: 'the index is misbehaving; try again later' });
  }
}

const VERSION = /^\d{1,4}\.\d{1,4}$/;

/** PEP 691: `meta.api-version` of a JSON page. */
export function jsonApiVersion(body: string): string | undefined {
  const meta = (JSON.parse(body) as { meta?: { 'api-version'?: unknown } } | null)?.meta;
  const version = meta?.['api-version'];
  return typeof version === 'string' && VERSION.test(version) ? version : undefined;
}

/** PEP 629: `<meta name="pypi:repository-version" content="1.0">` of an HTML page. */
export function htmlRepositoryVersion(body: string): string | undefined {
  const tag = /<meta\s[^>]{0,300}name\s*=\s*["']pypi:repository-version["'][^>]{0,300}>/i.exec(body)?.[0];
  const version = tag === undefined ? undefined : /content\s*=\s*["']([^"']{1,20})["']/i.exec(tag)?.[1];
  return version !== undefined && VERSION.test(version) ? version : undefined;
}

export function parseJsonPage(body: string, base: string): IndexFile[] {
  const page = JSON.parse(body) as { files?: unknown };
  if (!Array.isArray(page.files)) return [];
  const files: IndexFile[] = [];
  for (const raw of page.files as Array<Record<string, unknown>>) {
    if (typeof raw?.filename !== 'string' || typeof raw.url !== 'string') continue;
    const hashes = (raw.hashes ?? {}) as Record<string, unknown>;
    const file: IndexFile = {
      filename: raw.filename,
      url: new URL(raw.url, base).href,
      sha256: sha256Of(hashes.sha256),
      size: typeof raw.size === 'number' && Number.isSafeInteger(raw.size) && raw.size >= 0 ? raw.size : undefined,
      uploadTime: uploadTimeOf(raw['upload-time']),
      yanked: raw.yanked !== undefined && raw.yanked !== false,
    };
    if (typeof raw['requires-python'] === 'string' && raw['requires-python'].length <= 200) file.requiresPython = raw['requires-python'];
    files.push(file);
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
    const file: IndexFile = {
      filename: decodeEntities((match[2] ?? '').trim()),
      url: url.href,
      sha256: sha?.toLowerCase(),
      yanked: /data-yanked/i.test(attrs),
    };
    const requiresPython = /data-requires-python\s*=\s*"([^"]{0,400})"/i.exec(attrs)?.[1] ?? /data-requires-python\s*=\s*'([^']{0,400})'/i.exec(attrs)?.[1];
    if (requiresPython) file.requiresPython = decodeEntities(requiresPython);
    files.push(file);
  }
  return files;
}

/** A sha256 as lowercase hex, or undefined when the index sent anything else. */
function sha256Of(value: unknown): string | undefined {
  return typeof value === 'string' && /^[0-9a-fA-F]{64}$/.test(value) ? value.toLowerCase() : undefined;
}

/** PEP 700 upload time; only a well-formed ISO 8601 UTC timestamp counts, anything else is "missing". */
function uploadTimeOf(value: unknown): string | undefined {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  return Number.isNaN(Date.parse(value)) ? undefined : value;
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

/**
 * Credentials embedded in the index URL (or, failing those, from `credentialsFor`, e.g. netrc)
 * go into an Authorization header, never into logs.
 */
export function authorised(url: URL, credentialsFor?: (url: URL) => Credentials | undefined): { url: URL; headers: Record<string, string> } {
  if (!url.username && !url.password) {
    const found = credentialsFor?.(url);
    return { url, headers: found ? { Authorization: `Basic ${Buffer.from(`${found.login}:${found.password}`).toString('base64')}` } : {} };
  }
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
