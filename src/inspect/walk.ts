import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type Header } from 'tar-stream';
import { isHbuildError } from '../core/errors.js';
import { createInflateGuard } from './inflate-guard.js';
import type { ArchiveLimits } from './archive-limits.js';
import { createMemberChecker, type SdistMember } from './member-check.js';
import { archiveUnsafe, type UnsafeRule } from './unsafe.js';

export type { SdistMember } from './member-check.js';

type Entry = AsyncIterable<unknown> & { header: Header };

export interface WalkSummary {
  topDir: string;
  /** Tar members, the top directory entry included. */
  members: number;
  /** Sum of member sizes. */
  totalBytes: number;
}

/**
 * Receives each accepted member except the top directory entry. `body` yields
 * the content of a file; whatever the visitor leaves unread is drained after it
 * returns.
 */
export type MemberVisitor = (member: SdistMember, body: AsyncIterable<Buffer>) => Promise<void>;

/** Judged by content, not by name: store blobs carry no extension. */
async function checkArchiveFile(archive: string, limits: ArchiveLimits): Promise<void> {
  const info = await stat(archive);
  if (!info.isFile()) throw archiveUnsafe({ archive, rule: 'format', why: 'not a regular file' });
  const magic = Buffer.alloc(2);
  const handle = await open(archive, 'r');
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  if (magic[0] !== 0x1f || magic[1] !== 0x8b) {
    throw archiveUnsafe({ archive, rule: 'format', why: 'not a gzip-compressed tar (.tar.gz)' });
  }
  if (info.size > limits.maxCompressedBytes) {
    throw archiveUnsafe({
      archive,
      rule: 'compressed-too-large',
      why: `${info.size} bytes on disk, limit ${limits.maxCompressedBytes}`,
    });
  }
}

/**
 * Stream an sdist once, applying every archive rule before the visitor sees a
 * member. Nothing is written to disk; memory stays bounded by stream buffers.
 */
export async function walkSdist(
  archive: string,
  limits: ArchiveLimits,
  visit: MemberVisitor,
  signal?: AbortSignal,
): Promise<WalkSummary> {
  signal?.throwIfAborted();
  await checkArchiveFile(archive, limits);
  const checker = createMemberChecker(limits);
  let current: string | undefined;
  const refuse = (rule: UnsafeRule, why: string): Error =>
    archiveUnsafe({ archive, member: current, rule, why });
  const asUnsafe = (err: unknown): unknown => {
    if (isHbuildError(err)) return err;
    if (signal?.aborted) return signal.reason;
    const detail = err instanceof Error ? err.message : String(err);
    return archiveUnsafe({ archive, rule: 'corrupt', why: `truncated or corrupt gzip/tar (${detail})`, cause: err });
  };

  const source = createReadStream(archive);
  const gunzip = createGunzip();
  const guard = createInflateGuard({ limits, compressedBytes: () => source.bytesRead, refuse });
  const extract = tarExtract();
  const fail = (err: unknown): void => {
    extract.destroy(asUnsafe(err) as Error);
  };
  const onAbort = (): void => fail(signal?.reason);
  for (const stream of [source, gunzip, guard]) stream.on('error', fail);
  signal?.addEventListener('abort', onAbort, { once: true });
  source.pipe(gunzip).pipe(guard).pipe(extract);
  const entries = (extract as AsyncIterable<Entry>)[Symbol.asyncIterator]();
  const nextEntry = (): Promise<IteratorResult<Entry>> =>
    entries.next().catch((err: unknown) => Promise.reject(asUnsafe(err)));

  try {
    for (let next = await nextEntry(); next.done !== true; next = await nextEntry()) {
      const entry = next.value;
      current = entry.header.name;
      const checked = checker.check(entry.header);
      if (!checked.ok) throw refuse(checked.rule, checked.why);
      const body = drainable(entry, asUnsafe);
      if (checked.member.path !== '') await visit(checked.member, body);
      await body.drain();
      // Whatever gunzip yields from here until the next header belongs to no member.
      current = undefined;
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    extract.destroy();
    guard.destroy();
    gunzip.destroy();
    source.destroy();
  }

  if (checker.topDir === null) throw refuse('empty-archive', 'the archive has no members');
  return { topDir: checker.topDir, members: checker.members, totalBytes: checker.totalBytes };
}

interface DrainableBody extends AsyncIterable<Buffer> {
  drain(): Promise<void>;
}

/** The entry's content, readable once by the visitor and then drained, so the tar parser can move on. */
function drainable(entry: Entry, asUnsafe: (err: unknown) => unknown): DrainableBody {
  const chunks = entry[Symbol.asyncIterator]();
  let done = false;
  const pull = async (): Promise<IteratorResult<Buffer>> => {
    const result = await chunks.next().catch((err: unknown) => Promise.reject(asUnsafe(err)));
    if (result.done === true) done = true;
    return result as IteratorResult<Buffer>;
  };
  return {
    async *[Symbol.asyncIterator]() {
      for (let result = await pull(); result.done !== true; result = await pull()) yield result.value;
    },
    async drain() {
      while (!done) await pull();
    },
  };
}
