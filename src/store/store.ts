import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HbuildError } from '../core/errors.js';
import { HashingStream, SHA256_HEX, sha256File } from '../core/digest.js';
import { tempPathFor, writeFileAtomic } from '../core/fs-atomic.js';
import { acquireFileLock } from './lock.js';
import { readRecord, type MemoCheck } from './records.js';

/** Content kinds the store keeps, each addressed by the sha256 of its bytes. */
/** `envs` are build environments: deterministic tars of installed build-requirement wheels. */
export type BlobKind = 'sources' | 'wheels' | 'logs' | 'envs';

/** Memoised results of pure functions (inspections of verified sdists, accepted lock parses). */
export type MemoArea = 'inspections' | 'locks' | 'vet' | 'env-keys';

export interface Store {
  root: string;
  blobPath(kind: BlobKind, sha256: string): string;
  /** Stream bytes in; they land only if their digest equals `expected` (when given). Returns the digest. */
  putStream(kind: BlobKind, input: Readable, options?: { expected?: string; maxBytes?: number; what?: string }): Promise<{ sha256: string; size: number }>;
  putFile(kind: BlobKind, path: string, options?: { expected?: string; what?: string }): Promise<{ sha256: string; size: number }>;
  /** The path of a present, re-verified blob; null when absent. A corrupt blob is removed and reported. */
  verifiedBlob(kind: BlobKind, sha256: string, what?: string): Promise<string | null>;
  /** A build record by input digest; reading it marks it as recently used (for gc). */
  /** A record of `actions/`, checked against its schema; null when missing, oversized or malformed. */
  readAction<T>(inputDigest: string, schema: MemoCheck<T>): Promise<T | null>;
  writeAction(inputDigest: string, record: unknown): Promise<void>;
  /** A fresh scratch directory inside the store (same file system as the blobs). */
  scratchDir(label: string): Promise<string>;
  rejectedDir(label: string): Promise<string>;
  /** Small JSON results of pure functions of verified blobs, keyed by a digest of their inputs. */
  readMemo<T>(area: MemoArea, key: string, schema: MemoCheck<T>): Promise<T | null>;
  writeMemo(area: MemoArea, key: string, value: unknown): Promise<void>;
  /** Hold the store-wide lock for one build input digest; resolves with its release. */
  lockBuild(inputDigest: string, signal: AbortSignal): Promise<() => Promise<void>>;
}

export function defaultStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'hbuild', 'store');
}

export async function openStore(root: string): Promise<Store> {
  for (const dir of ['sources', 'wheels', 'logs', 'envs', 'actions', 'rejected', 'tmp', 'locks', 'inspections', 'memo-locks', 'vet', 'env-keys']) {
    await mkdir(join(root, dir), { recursive: true });
  }
  const blobPath = (kind: BlobKind, sha: string): string => {
    if (!SHA256_HEX.test(sha)) throw new Error(`not a sha256 digest: ${sha}`);
    return join(root, kind, 'sha256', sha.slice(0, 2), sha);
  };

  const putStream: Store['putStream'] = async (kind, input, options = {}) => {
    const tmp = join(root, 'tmp', `put-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const hashing = new HashingStream(options.maxBytes);
    try {
      await pipeline(input, hashing, createWriteStream(tmp, { flags: 'wx', mode: 0o444 }));
      const sha = hashing.digest();
      if (options.expected !== undefined && sha !== options.expected) {
        throw new HbuildError('ERR_HASH_MISMATCH', `${options.what ?? kind} does not match its pin: expected sha256 ${options.expected}, got ${sha}`, {
          hint: 'the bytes differ from what the lock pins; nothing was stored. Check the source, or re-pin deliberately with `hbuild lock`',
          details: { expected: options.expected, actual: sha },
        });
      }
      const target = blobPath(kind, sha);
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
      return { sha256: sha, size: hashing.bytes };
    } catch (err) {
      if (err instanceof RangeError) {
        throw new HbuildError('ERR_FETCH', `${options.what ?? kind} is larger than ${options.maxBytes} bytes`, { cause: err });
      }
      throw err;
    } finally {
      await rm(tmp, { force: true });
    }
  };

  return {
    root,
    blobPath,
    putStream,
    putFile: (kind, path, options) => putStream(kind, createReadStream(path), options),
    async verifiedBlob(kind, sha, what) {
      const path = blobPath(kind, sha);
      try {
        await stat(path);
      } catch {
        return null;
      }
      const actual = await sha256File(path);
      if (actual !== sha) {
        await rm(path, { force: true });
        throw new HbuildError('ERR_STORE_CORRUPT', `store entry ${kind}/${sha} for ${what ?? 'an artifact'} is corrupt (its content hashes to ${actual}); it was removed`, {
          hint: 'run the command again to rebuild or re-fetch it; run `hbuild store verify` to check the rest of the store',
          details: { expected: sha, actual, path },
        });
      }
      return path;
    },
    async readAction<T>(inputDigest: string, schema: MemoCheck<T>) {
      if (!SHA256_HEX.test(inputDigest)) throw new Error(`not a digest: ${inputDigest}`);
      const path = join(root, 'actions', `${inputDigest}.json`);
      const record = await readRecord(path, schema);
      if (record !== null) {
        const now = new Date();
        await utimes(path, now, now).catch(() => undefined);
      }
      return record;
    },
    writeAction: (inputDigest, record) => writeFileAtomic(join(root, 'actions', `${inputDigest}.json`), `${JSON.stringify(record, null, 2)}\n`),
    async scratchDir(label) {
      const dir = tempPathFor(join(root, 'tmp', label.replace(/[^A-Za-z0-9._-]/g, '_')));
      await mkdir(dir, { recursive: true });
      return dir;
    },
    async readMemo<T>(area: MemoArea, key: string, schema: MemoCheck<T>) {
      if (!SHA256_HEX.test(key)) throw new Error(`not a digest: ${key}`);
      return readRecord(join(root, memoDir(area), `${key}.json`), schema);
    },
    writeMemo: (area, key, value) => writeFileAtomic(join(root, memoDir(area), `${key}.json`), JSON.stringify(value)),
    lockBuild(inputDigest, signal) {
      if (!SHA256_HEX.test(inputDigest)) throw new Error(`not a digest: ${inputDigest}`);
      return acquireFileLock(join(root, 'locks'), inputDigest, signal);
    },
    async rejectedDir(label) {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const dir = join(root, 'rejected', `${stamp}-${label.replace(/[^A-Za-z0-9._-]/g, '_')}`);
      await mkdir(dir, { recursive: true });
      return dir;
    },
  };
}

/** `locks/` already holds build locks; accepted lock parses live in `memo-locks/`. */
function memoDir(area: MemoArea): string {
  return area === 'locks' ? 'memo-locks' : area;
}

