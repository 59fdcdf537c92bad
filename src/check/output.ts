import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { extract as tarExtract, type Header } from 'tar-stream';
import { HbuildError } from '../core/errors.js';
import { tempPathFor } from '../core/fs-atomic.js';
import { classifyMember, noWheel, outputRefused } from './output-member.js';

export interface ExtractedWheel {
  path: string;
  file: string;
  /** Hex sha256 of the wheel bytes. */
  sha256: string;
  size: number;
}

export interface ExtractWheelOptions {
  /** Largest wheel accepted, in bytes. */
  maxBytes?: number;
}

export const DEFAULT_MAX_WHEEL_BYTES = 512 * 1024 * 1024;

// Headers, pax records and padding for the two members we accept fit easily;
// anything more is a stream that will not end.
const TAR_OVERHEAD_BYTES = 1024 * 1024;

type TarEntry = AsyncIterable<Buffer> & { header: Header };

/**
 * Take the one wheel out of Docker's archive of the container's /build/out.
 * The archive is hostile: every member other than `out/` and one wheel file
 * directly in it is refused, the wheel is streamed to a temp file in `destDir`
 * (hashed while written, never buffered) and renamed into place only once the
 * whole archive has been read. On failure nothing is left in `destDir` and the
 * tar stream is destroyed.
 */
export async function extractWheel(
  tar: Readable,
  destDir: string,
  opts: ExtractWheelOptions = {},
): Promise<ExtractedWheel> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_WHEEL_BYTES;
  await mkdir(destDir, { recursive: true });
  const extract = tarExtract();
  const limiter = byteLimit(maxBytes + TAR_OVERHEAD_BYTES);
  const fail = (err: Error): void => {
    extract.destroy(err);
  };
  tar.on('error', fail);
  limiter.on('error', fail);
  tar.pipe(limiter).pipe(extract);
  const members = extract[Symbol.asyncIterator]() as AsyncIterator<TarEntry>;
  let tmp: string | undefined;
  try {
    let sawDirectory = false;
    let wheel: Omit<ExtractedWheel, 'path'> | undefined;
    for (let entry = await nextMember(members); entry !== undefined; entry = await nextMember(members)) {
      const name = entry.header.name;
      const member = classifyMember(entry.header, maxBytes);
      if (member.kind === 'directory') {
        if (sawDirectory) throw outputRefused(name, 'duplicate directory entry');
        sawDirectory = true;
        continue;
      }
      if (tmp !== undefined) throw outputRefused(name, 'more than one file; the build must produce exactly one wheel');
      tmp = tempPathFor(join(destDir, member.file));
      wheel = { file: member.file, ...(await writeMember(entry, name, tmp, maxBytes)) };
    }
    if (wheel === undefined || tmp === undefined) throw noWheel();
    const path = join(destDir, wheel.file);
    await rename(tmp, path);
    tar.off('error', fail);
    return { path, ...wheel };
  } catch (err) {
    // The listener stays: a destroyed stream that errors later must not crash the process.
    tar.unpipe(limiter);
    limiter.destroy();
    extract.destroy();
    tar.destroy();
    if (tmp !== undefined) await rm(tmp, { force: true });
    throw err;
  }
}

async function nextMember(members: AsyncIterator<TarEntry>): Promise<TarEntry | undefined> {
  try {
    const next = await members.next();
    return next.done === true ? undefined : next.value;
  } catch (err) {
    throw unreadable(err);
  }
}

async function writeMember(
  entry: TarEntry,
  name: string,
  tmp: string,
  maxBytes: number,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const handle = await open(tmp, 'wx', 0o644);
  try {
    for await (const chunk of readMember(entry)) {
      size += chunk.length;
      if (size > maxBytes) throw outputRefused(name, `exceeds the limit of ${maxBytes} bytes`);
      hash.update(chunk);
      for (let offset = 0; offset < chunk.length; ) {
        offset += (await handle.write(chunk, offset)).bytesWritten;
      }
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), size };
}

async function* readMember(entry: TarEntry): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of entry) yield chunk;
  } catch (err) {
    throw unreadable(err);
  }
}

function unreadable(err: unknown): HbuildError {
  if (err instanceof HbuildError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new HbuildError('ERR_BUILD_OUTPUT', `the build output archive is unreadable: ${why}`, {
    hint: 'The archive of /build/out was truncated or malformed; rerun the build.',
    cause: err,
  });
}

function byteLimit(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
      seen += chunk.length;
      if (seen > maxBytes) {
        done(new HbuildError('ERR_BUILD_OUTPUT', `the build output archive exceeds ${maxBytes} bytes`));
        return;
      }
      done(null, chunk);
    },
  });
}
