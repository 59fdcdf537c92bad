import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { HbuildError } from '../core/errors.js';
import { lockInvalid } from './lock-problems.js';

/** lock.yaml files are text written by people and tools; 4 MiB is far beyond any real one. */
export const MAX_LOCK_BYTES = 4 * 1024 * 1024;

const USAGE_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'ELOOP']);

export interface LockFile {
  text: string;
  /** Permission bits, kept when the file is rewritten. */
  mode: number;
}

export function tooLarge(lockPath: string): HbuildError {
  return lockInvalid(lockPath, [{ path: '', line: 1, message: `file is larger than ${MAX_LOCK_BYTES} bytes` }]);
}

/** Strict UTF-8, keeping a byte order mark so a rewrite changes nothing it need not. */
export function decodeLock(lockPath: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw lockInvalid(lockPath, [{ path: '', line: 1, message: 'file is not valid UTF-8' }]);
  }
}

/**
 * Read at most MAX_LOCK_BYTES + 1 bytes of a regular file. Opened non-blocking so a FIFO
 * in place of the lock cannot hang us, and checked to be a regular file before reading.
 */
export async function readLockFile(lockPath: string): Promise<LockFile> {
  let handle;
  try {
    handle = await open(lockPath, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (!USAGE_CODES.has(code)) throw err;
    throw new HbuildError('ERR_USAGE', `cannot read lock file ${lockPath} (${code})`, {
      hint: 'pass the path of a lock.yaml, or create one with `hbuild lock requirements.txt`',
      cause: err,
    });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new HbuildError('ERR_USAGE', `lock file ${lockPath} is not a regular file`);
    if (info.size > MAX_LOCK_BYTES) throw tooLarge(lockPath);
    const buffer = Buffer.alloc(MAX_LOCK_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > MAX_LOCK_BYTES) throw tooLarge(lockPath);
    return { text: decodeLock(lockPath, buffer.subarray(0, length)), mode: info.mode & 0o777 };
  } finally {
    await handle.close();
  }
}
