import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

export interface ReadLimitedOptions {
  /** Refuse a symlink instead of following it (everything inside a wheelhouse). */
  noFollow?: boolean;
  /** Refuse a file that group or others may read or write (private keys). */
  ownerOnly?: boolean;
}

/**
 * Read a regular file of at most `maxBytes`. Errors carry a plain message meant to
 * follow the file's name, and keep the errno `code` (ENOENT, ELOOP) for callers.
 */
export async function readLimited(path: string, maxBytes: number, options: ReadLimitedOptions = {}): Promise<Buffer> {
  // O_NONBLOCK: opening a FIFO planted in place of a file must not hang; it is refused below.
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow === true ? constants.O_NOFOLLOW : 0);
  const handle = await open(path, flags).catch((err: NodeJS.ErrnoException) => {
    throw withCode(describeOpenError(err), err.code);
  });
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw withCode('is not a regular file');
    if (options.ownerOnly === true && (info.mode & 0o077) !== 0) {
      throw withCode(`is accessible to group or others (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')})`);
    }
    if (info.size > maxBytes) throw withCode(`is ${info.size} bytes, more than the ${maxBytes} allowed`);
    // One byte of room past the stat'ed size, so a file that grows while being read is noticed.
    const buffer = Buffer.alloc(info.size + 1);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, total, buffer.length - total, total);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > info.size) throw withCode('changed while it was being read');
    }
    return buffer.subarray(0, total);
  } finally {
    await handle.close();
  }
}

function describeOpenError(err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') return 'does not exist';
  if (err.code === 'ELOOP') return 'is a symbolic link';
  if (err.code === 'EISDIR') return 'is not a regular file';
  return `cannot be read (${err.code ?? err.message})`;
}

function withCode(message: string, code?: string): Error {
  const err = new Error(message) as NodeJS.ErrnoException;
  if (code !== undefined) err.code = code;
  return err;
}

/** Text that must be valid UTF-8; a lone invalid byte is tampering, not something to replace with U+FFFD. */
export function decodeUtf8(data: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
}
