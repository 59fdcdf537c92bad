import { createHash } from 'node:crypto';
import { HbuildError } from '../core/errors.js';
import { normalizeName } from '../core/pep503.js';
import { authorised, findProjectPage, htmlRepositoryVersion, type Credentials, type IndexFile, type ProjectPage } from '../fetch/index-client.js';
import { redactUrl } from '../fetch/index-url.js';
import type { LocalWheel } from './read-wheelhouse.js';
import { readHead } from './read-head.js';

const PAGE_TIMEOUT_MS = 120_000;
/** How much of the index's root page is read to learn its repository version. */
const ROOT_PROBE_BYTES = 64 * 1024;

/** What the index already holds for the wheelhouse's projects. */
export interface IndexState {
  /** By normalised project name; null when the index has no such project yet. */
  pages: Map<string, ProjectPage | null>;
  /** The repository version the index declares, from a project page or, failing that, its root page. */
  repositoryVersion?: string;
}

export interface IndexAccess {
  simpleUrl: string;
  credentialsFor: (url: URL) => Credentials | undefined;
  signal: AbortSignal;
}

/** Read each project's simple page once (PEP 691 JSON, PEP 503 HTML), with the page-size cap of the index client. */
export async function readIndexState(wheels: readonly LocalWheel[], access: IndexAccess): Promise<IndexState> {
  const pages = new Map<string, ProjectPage | null>();
  for (const name of new Set(wheels.map((w) => normalizeName(w.name)))) {
    pages.set(name, await findProjectPage(access.simpleUrl, name, AbortSignal.any([access.signal, AbortSignal.timeout(PAGE_TIMEOUT_MS)]), { credentialsFor: access.credentialsFor, sameOriginRedirects: true }));
  }
  const declared = [...pages.values()].find((p) => p?.repositoryVersion !== undefined)?.repositoryVersion;
  const repositoryVersion = declared ?? (await probeRootVersion(access));
  return repositoryVersion === undefined ? { pages } : { pages, repositoryVersion };
}

/**
 * The root page's declared version, from its first 64 KiB only: a large index's root lists
 * every project, and `meta` (JSON) or the `<meta>` tag (HTML) comes first.
 */
async function probeRootVersion(access: IndexAccess): Promise<string | undefined> {
  const { url, headers } = authorised(new URL(access.simpleUrl), access.credentialsFor);
  const response = await fetch(url, {
    headers: { ...headers, Accept: 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1' },
    signal: AbortSignal.any([access.signal, AbortSignal.timeout(PAGE_TIMEOUT_MS)]),
    redirect: 'manual',
  }).catch(() => undefined);
  if (response === undefined || !response.ok || response.body === null) {
    await response?.body?.cancel();
    return undefined;
  }
  const head = await readHead(response.body, ROOT_PROBE_BYTES);
  const json = /"api-version"\s*:\s*"(\d{1,4}\.\d{1,4})"/.exec(head)?.[1];
  return (response.headers.get('content-type') ?? '').includes('json') ? json : htmlRepositoryVersion(head);
}

/** Whether a declared repository version includes PEP 740 (simple API 1.3: provenance). */
export function supportsAttestations(repositoryVersion: string | undefined): boolean {
  if (repositoryVersion === undefined) return false;
  const [major = 0, minor = 0] = repositoryVersion.split('.').map(Number);
  return major > 1 || (major === 1 && minor >= 3);
}

/**
 * The sha256 of a file the index lists without one: downloaded, hashed and dropped, reading
 * at most one byte more than the local wheel has (a longer file is different anyway).
 */
export async function hashListedFile(file: IndexFile, wheel: LocalWheel, access: IndexAccess): Promise<string> {
  const target = new URL(file.url);
  const simple = new URL(access.simpleUrl);
  const { url, headers } = target.origin === simple.origin ? { url: target, headers: authorised(simple, access.credentialsFor).headers } : authorised(target, access.credentialsFor);
  const response = await fetch(url, { headers, signal: AbortSignal.any([access.signal, AbortSignal.timeout(15 * 60_000)]) }).catch((err: unknown) => {
    throw new HbuildError('ERR_FETCH', `cannot download ${file.filename} from ${redactUrl(access.simpleUrl)} to compare it`, { cause: err, hint: 'check the network and try again' });
  });
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new HbuildError('ERR_FETCH', `downloading ${file.filename} to compare it failed with HTTP ${response.status}`, { hint: 'try again later' });
  }
  const hash = createHash('sha256');
  let total = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > wheel.size) return 'larger-than-the-local-wheel';
      hash.update(value);
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return hash.digest('hex');
}
