import { createHash, timingSafeEqual } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { HbuildError } from '../../core/errors.js';

const MIN_TOKEN_LENGTH = 32;
const MAX_TOKEN_FILE_BYTES = 4096;

/**
 * Whether an Authorization header carries `token`. Both sides are hashed first so the
 * comparison takes the same time whatever the length or content of the guess.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer ([\x21-\x7e]+)$/.exec(header ?? '');
  const given = createHash('sha256').update(match?.[1] ?? '').digest();
  const expected = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, expected) && match !== null;
}

/** Read the TCP bearer token: a regular file, private to its owner, holding one long printable token. */
export async function readTokenFile(path: string): Promise<string> {
  const fail = (message: string, hint?: string): HbuildError => new HbuildError('ERR_USAGE', `token file ${path}: ${message}`, hint ? { hint } : {});
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    throw fail(`cannot open it (${(err as NodeJS.ErrnoException).code})`, 'create it with `umask 077; head -c 32 /dev/urandom | base64 > FILE`');
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw fail('not a regular file');
    if ((info.mode & 0o077) !== 0) throw fail(`readable by others (mode ${(info.mode & 0o777).toString(8)})`, `chmod 600 ${path}`);
    if (info.size > MAX_TOKEN_FILE_BYTES) throw fail(`larger than ${MAX_TOKEN_FILE_BYTES} bytes`);
    const token = (await handle.readFile('utf8')).trim();
    if (!/^[\x21-\x7e]+$/.test(token) || token.length < MIN_TOKEN_LENGTH) {
      throw fail(`expected one token of at least ${MIN_TOKEN_LENGTH} printable characters`, 'create it with `umask 077; head -c 32 /dev/urandom | base64 > FILE`');
    }
    return token;
  } finally {
    await handle.close();
  }
}
