import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { open as openZipFile, type Entry, type ZipFile } from 'yauzl';
import { HbuildError } from '../core/errors.js';
import { quote } from './display.js';

/**
 * Open a wheel for reading. Names are left undecoded so that we, not yauzl,
 * decide how to read them (yauzl would prefer an Info-ZIP Unicode Path field
 * and rewrite backslashes, which the installer's zip reader does not).
 */
export function openZip(path: string, file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    openZipFile(
      path,
      { lazyEntries: true, validateEntrySizes: true, decodeStrings: false, autoClose: false, strictFileNames: true },
      (err, zip) => (err === null ? resolve(zip) : reject(zipUnreadable(file, err))),
    );
  });
}

/** Walk the central directory; `visit` may throw to stop. Reads no entry data. */
export function forEachEntry(zip: ZipFile, file: string, visit: (entry: Entry) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    zip.on('entry', (entry: Entry) => {
      try {
        visit(entry);
      } catch (err) {
        reject(err);
        return;
      }
      zip.readEntry();
    });
    zip.on('end', () => resolve());
    zip.on('error', (err: Error) => reject(zipUnreadable(file, err)));
    zip.readEntry();
  });
}

/** Stream one entry's content; yauzl fails the stream if it inflates past its declared size. */
export async function* readEntry(zip: ZipFile, file: string, entry: Entry, name: string): AsyncGenerator<Buffer> {
  let stream: Readable;
  try {
    stream = await new Promise<Readable>((resolve, reject) => {
      zip.openReadStream(entry, (err, s) => (err === null ? resolve(s) : reject(err)));
    });
  } catch (err) {
    throw entryUnreadable(file, name, err);
  }
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    throw entryUnreadable(file, name, err);
  } finally {
    stream.destroy();
  }
}

/** Digest in RECORD form (urlsafe base64, no padding) and the number of bytes actually read. */
export async function hashEntry(
  zip: ZipFile,
  file: string,
  entry: Entry,
  name: string,
): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of readEntry(zip, file, entry, name)) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { digest: hash.digest('base64url'), size };
}

/** Read a small entry whole; the caller has already bounded its declared size. */
export async function readEntryBytes(zip: ZipFile, file: string, entry: Entry, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of readEntry(zip, file, entry, name)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function closeZip(zip: ZipFile): void {
  zip.close();
}

/** An entry-level refusal, always naming the entry. */
export function entryInvalid(file: string, name: string, why: string, rule: string, cause?: unknown): HbuildError {
  return new HbuildError('ERR_WHEEL_INVALID', `wheel ${quote(file)}: entry ${quote(name)} refused: ${why}`, {
    hint: 'The wheel is malformed or hostile; hbuild will not store or publish it.',
    details: { file, entry: name, rule },
    cause,
  });
}

/** A wheel-level refusal. */
export function wheelInvalid(file: string, why: string, rule: string): HbuildError {
  return new HbuildError('ERR_WHEEL_INVALID', `wheel ${quote(file)} refused: ${why}`, {
    hint: 'The wheel is malformed or hostile; hbuild will not store or publish it.',
    details: { file, rule },
  });
}

function zipUnreadable(file: string, err: unknown): HbuildError {
  const why = err instanceof Error ? err.message : String(err);
  return new HbuildError('ERR_WHEEL_INVALID', `wheel ${quote(file)} is not a readable zip: ${why}`, {
    hint: 'The wheel is malformed or hostile; hbuild will not store or publish it.',
    details: { file, rule: 'corrupt' },
    cause: err,
  });
}

function entryUnreadable(file: string, name: string, err: unknown): HbuildError {
  if (err instanceof HbuildError) return err;
  return entryInvalid(file, name, `unreadable: ${err instanceof Error ? err.message : String(err)}`, 'corrupt', err);
}
