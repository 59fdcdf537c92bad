import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { authorised, type IndexFile } from './index-client.js';
import { redactUrl } from './index-url.js';
import { throughOrigin } from './host-gate.js';
import { transientFetchError, transientStatus, withRetries } from './retry.js';
import type { Store } from '../store/store.js';
import type { IndexView, IndexConfig } from './index-view.js';

/** Largest sdist accepted from any source. */
export const MAX_SDIST_BYTES = 256 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 15 * 60_000;

/**
 * The one downloader of sdists, for builds and for `hbuild lock`: bring an sdist the index lists into the store,
 * within a deadline, with the index's credentials (URL or netrc) sent only to their own host. Its bytes are hashed on the way in and
 * land only when they equal the sha256 the index lists; the size, when listed, must agree.
 * A copy already in the store is re-hashed instead of downloaded again.
 */
export async function downloadSdist(
  file: IndexFile & { sha256: string },
  index: IndexConfig,
  view: Pick<IndexView, 'credentialsFor'>,
  store: Store,
  signal: AbortSignal,
  maxBytes: number = MAX_SDIST_BYTES,
): Promise<{ path: string; size: number }> {
  const what = `sdist ${file.filename}`;
  const cached = await store.verifiedBlob('sources', file.sha256, what).catch(() => null);
  let size: number;
  if (cached) {
    size = (await stat(cached)).size;
  } else {
    const url = new URL(file.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new HbuildError('ERR_FETCH', `the index lists ${file.filename} at a non-http(s) URL`, { hint: 'the index is misbehaving' });
    }
    // Credentials in the index URL go only to the index's own origin; netrc answers per host.
    const indexUrl = new URL(index.url);
    const { headers } = url.origin === indexUrl.origin ? authorised(indexUrl, view.credentialsFor) : authorised(url, view.credentialsFor);
    url.username = '';
    url.password = '';
    size = await withRetries(signal, () => throughOrigin(url, signal, () => download(url, headers, file, index, store, signal, maxBytes)));
  }
  if (file.size !== undefined && file.size !== size) {
    throw new HbuildError('ERR_HASH_MISMATCH', `${file.filename} is ${size} bytes, but the index lists ${file.size}`, {
      hint: 'the index contradicts itself about this file; do not lock it until you know why',
      details: { expected: file.size, actual: size },
    });
  }
  return { path: store.blobPath('sources', file.sha256), size };
}

/** One download into the store, hashed on the way in; its size. */
async function download(url: URL, headers: Record<string, string>, file: IndexFile & { sha256: string }, index: IndexConfig, store: Store, signal: AbortSignal, maxBytes: number): Promise<number> {
  const what = `sdist ${file.filename}`;
  const deadline = AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS);
  // A failure that may pass is worth another attempt; the run's cancel and the download's deadline are not.
  const gaveUp = (): boolean => signal.aborted || deadline.aborted;
  const response = await fetch(url, { headers, signal: AbortSignal.any([signal, deadline]), redirect: 'follow' }).catch((err: unknown) => {
    const message = `cannot download ${file.filename} from ${redactUrl(index.shown)}`;
    const hint = 'check the network and try again';
    if (gaveUp()) throw new HbuildError('ERR_FETCH', message, { cause: err, hint });
    throw transientFetchError(message, { cause: err, hint });
  });
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    const message = `downloading ${file.filename} failed with HTTP ${response.status}`;
    if (transientStatus(response.status)) throw transientFetchError(message, { hint: 'try again later', status: response.status });
    throw new HbuildError('ERR_FETCH', message, { hint: 'try again later', details: { status: response.status } });
  }
  try {
    return (await store.putStream('sources', Readable.fromWeb(response.body as never), { expected: file.sha256, maxBytes, what })).size;
  } catch (err) {
    // Nothing lands unless every byte arrived and matched: a body that broke off can be asked for again.
    if (!isHbuildError(err) && !gaveUp() && !isFileSystemError(err)) throw transientFetchError(`the download of ${file.filename} broke off`, { cause: err, hint: 'check the network and try again' });
    if (!isHbuildError(err, 'ERR_HASH_MISMATCH')) throw err;
    throw new HbuildError('ERR_HASH_MISMATCH', `the index lists ${file.filename} with sha256 ${file.sha256}, but served bytes hashing to ${String(err.details.actual)}; nothing was stored`, {
      hint: 'the index or something between it and you altered the file; do not lock it until you know why',
      details: err.details,
    });
  }
}

/** An error of the store's disk (a full disk, a read-only store), which another attempt would not mend. */
function isFileSystemError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && typeof (err as { syscall?: unknown }).syscall === 'string';
}
