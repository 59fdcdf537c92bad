import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { HbuildError, isHbuildError } from '../core/errors.js';
import type { Store } from '../store/store.js';
import { downloadSdist, MAX_SDIST_BYTES } from './download.js';
import { listProjectFiles, type Credentials } from './index-client.js';
import { indexConfig } from './index-view.js';
import { loadNetrc } from './netrc.js';
import { redactUrl } from './index-url.js';

export interface SdistPinRef {
  name: string;
  version: string;
  file: string;
  sha256: string;
  size?: number;
  /** Absolute local path named by the lock. */
  path?: string;
  /** The index the lock pins this package to (no credentials). */
  index?: string;
}

export interface FetchOptions {
  store: Store;
  /** Resolved lazily: only a store miss with no local copy asks for it. */
  indexUrl: () => Promise<string>;
  /** Directories searched for the sdist's file name before the index. */
  sdistDirs: string[];
  signal: AbortSignal;
  maxBytes?: number;
  /** Told when the store's copy was corrupt (and is fetched again). */
  onCorrupt?: (error: HbuildError) => void;
  /** Credentials per host for the download (default: ~/.netrc, or $NETRC). */
  credentialsFor?: (url: URL) => Credentials | undefined;
}

export interface FetchedSdist {
  path: string;
  sha256: string;
  origin: 'store' | 'path' | 'staging' | 'index';
}


/**
 * Bring an sdist into the store by its pin. Every byte is hashed on the way in
 * and nothing lands unless it matches; a store hit is re-hashed before use.
 */
export async function fetchSdist(pin: SdistPinRef, options: FetchOptions): Promise<FetchedSdist> {
  const { store } = options;
  const what = `sdist ${pin.file} of ${pin.name} ${pin.version}`;
  const put = { expected: pin.sha256, maxBytes: options.maxBytes ?? MAX_SDIST_BYTES, what };
  const cached = await store.verifiedBlob('sources', pin.sha256, what).catch((err: unknown) => {
    // A corrupt copy is dropped by the store and fetched again; that must not happen silently.
    if (isHbuildError(err, 'ERR_STORE_CORRUPT')) options.onCorrupt?.(err);
    return null;
  });
  if (cached) return { path: cached, sha256: pin.sha256, origin: 'store' };

  const local = await firstExisting([...(pin.path ? [pin.path] : []), ...options.sdistDirs.map((dir) => join(dir, pin.file))]);
  if (local) {
    await store.putStream('sources', createReadStream(local), put);
    return { path: store.blobPath('sources', pin.sha256), sha256: pin.sha256, origin: local === pin.path ? 'path' : 'staging' };
  }

  const indexUrl = await indexFor(pin, options);
  const files = await listProjectFiles(indexUrl, pin.name, options.signal);
  const listed = files.find((f) => f.filename === pin.file);
  if (!listed) {
    throw new HbuildError('ERR_FETCH', `the index at ${redactUrl(indexUrl)} does not list ${pin.file} for ${pin.name}`, {
      hint: 'the file may have been removed; put a copy in --sdist-dir, or re-lock',
    });
  }
  if (listed.sha256 && listed.sha256 !== pin.sha256) {
    throw new HbuildError('ERR_HASH_MISMATCH', `the index lists ${pin.file} with sha256 ${listed.sha256}, but the lock pins ${pin.sha256}`, {
      hint: 'the index now serves different bytes under this name; do not re-pin without finding out why',
      details: { expected: pin.sha256, actual: listed.sha256 },
    });
  }
  const credentialsFor = options.credentialsFor ?? (await loadNetrc());
  const file = { ...listed, sha256: pin.sha256, ...(listed.size === undefined && pin.size !== undefined ? { size: pin.size } : {}) };
  const { path } = await downloadSdist(file, indexConfig(indexUrl), { credentialsFor }, store, options.signal, put.maxBytes);
  return { path, sha256: pin.sha256, origin: 'index' };
}

/**
 * The lock's per-package index wins over the configured one (dependency confusion);
 * the configured URL is used when it is that same index, since it may carry credentials.
 */
async function indexFor(pin: SdistPinRef, options: FetchOptions): Promise<string> {
  if (!pin.index) return options.indexUrl();
  const configured = await options.indexUrl().catch(() => undefined);
  if (configured && sameIndex(configured, pin.index)) return configured;
  return pin.index.endsWith('/') ? pin.index : `${pin.index}/`;
}

function sameIndex(a: string, b: string): boolean {
  const strip = (u: string): string => {
    const url = new URL(u);
    url.username = '';
    url.password = '';
    return url.href.replace(/\/+$/, '');
  };
  return strip(a) === strip(b);
}

async function firstExisting(paths: string[]): Promise<string | undefined> {
  for (const path of paths) {
    try {
      await access(path);
      return path;
    } catch {
      // try the next one
    }
  }
  return undefined;
}
