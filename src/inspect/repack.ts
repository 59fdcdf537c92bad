import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { resolveLimits, type ArchiveLimits } from './archive-limits.js';
import { checkMemberName } from './member-path.js';
import { walkSdist, type SdistMember } from './walk.js';

export interface RepackOptions {
  /** Replaces the sdist's top directory, e.g. `src`. */
  prefix: string;
  uid: number;
  gid: number;
  limits?: Partial<ArchiveLimits>;
  /** `archive` (default): the sdist's order. `reverse`: each directory's entries reversed, spooled once through `spoolDir`. */
  order?: 'archive' | 'reverse';
  spoolDir?: string;
}

type EntryHeader = Partial<Header> & Pick<Header, 'name'>;
type Sink = ReturnType<Pack['entry']>;

// The widest id a ustar header's six octal digits can carry.
const MAX_ID = 0o777777;

function checkOptions(opts: RepackOptions): string {
  for (const [key, id] of [['uid', opts.uid], ['gid', opts.gid]] as const) {
    if (!Number.isInteger(id) || id < 0 || id > MAX_ID) throw new RangeError(`${key} must be 0..${MAX_ID}, got ${id}`);
  }
  const prefix = checkMemberName(opts.prefix, 255);
  if (!prefix.ok) throw new RangeError(`repack prefix ${JSON.stringify(opts.prefix)} is unusable: ${prefix.why}`);
  return prefix.segments.join('/');
}

/**
 * Re-check an sdist while streaming it out again as an uncompressed tar for
 * the build container: only regular files, directories and in-tree symlinks,
 * under `prefix` instead of the top directory, owned by uid:gid, modes
 * 0o755/0o644, mtimes from the sdist. The `prefix` directory comes first and
 * directories the sdist only implies are emitted explicitly, so everything
 * the build user needs to write into is theirs. A refused sdist fails the
 * stream with the same ERR_ARCHIVE_UNSAFE as inspectSdist.
 */
export function repackSdist(path: string, opts: RepackOptions): Readable {
  const prefix = checkOptions(opts);
  const limits = resolveLimits(opts.limits);
  return Readable.from(repackChunks(path, prefix, opts, limits), { objectMode: false });
}

async function* repackChunks(
  path: string,
  prefix: string,
  opts: RepackOptions,
  limits: ArchiveLimits,
): AsyncGenerator<Buffer> {
  const pack = tarPack();
  const abort = new AbortController();
  const owner = { uid: opts.uid, gid: opts.gid, uname: '', gname: '' };
  const emittedDirs = new Set<string>();
  // tar-stream leaves directory names as given; the trailing slash is what other tar readers expect.
  const dir = (rel: string, mtime: Date): Promise<void> => {
    emittedDirs.add(rel);
    return addEntry(pack, { ...owner, name: `${prefix}/${rel}/`, type: 'directory', mode: 0o755, mtime });
  };

  const emit = async (member: SdistMember, body: AsyncIterable<Buffer>): Promise<void> => {
    const name = `${prefix}/${member.path}`;
    const base = { ...owner, name, mode: member.mode, mtime: member.mtime };
    if (member.kind === 'directory') {
      if (!emittedDirs.has(member.path)) await dir(member.path, member.mtime);
    } else if (member.kind === 'symlink') {
      await addEntry(pack, { ...base, type: 'symlink', linkname: member.linkname ?? '.' });
    } else {
      await addEntry(pack, { ...base, type: 'file', size: member.size }, body);
    }
  };
  const visit = async (member: SdistMember, body: AsyncIterable<Buffer>): Promise<void> => {
    for (const implied of member.impliedDirs) await dir(implied, member.mtime);
    await emit(member, body);
  };

  const walked = (async () => {
    await addEntry(pack, { ...owner, name: `${prefix}/`, type: 'directory', mode: 0o755, mtime: new Date(0) });
    if (opts.order === 'reverse') await replayReversed(path, limits, opts.spoolDir ?? tmpdir(), abort.signal, dir, emit);
    else await walkSdist(path, limits, visit, abort.signal);
  })();
  walked.then(
    () => pack.finalize(),
    (err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))),
  );

  try {
    for await (const chunk of pack) yield chunk as Buffer;
  } finally {
    abort.abort();
  }
}

/** Add one entry and resolve once the pack has taken all of it. */
function addEntry(pack: Pack, header: EntryHeader, body?: AsyncIterable<Buffer>): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    // A destroyed pack also destroys the open entry; the callback already carries that error.
    sink.on('error', reject);
    if (body === undefined) return;
    const pump = async (): Promise<void> => {
      for await (const chunk of body) {
        if (!sink.write(chunk)) await drained(sink);
      }
      sink.end(null);
    };
    pump().catch((err: unknown) => {
      sink.destroy(err instanceof Error ? err : new Error(String(err)));
      reject(err);
    });
  });
}

function drained(sink: Sink): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      sink.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      sink.off('drain', onDrain);
      reject(new Error('tar entry closed before it drained'));
    };
    sink.once('drain', onDrain);
    sink.once('close', onClose);
  });
}

/** One step of a creation order: a directory to create, or the member at `index`. */
export type CreationStep = { kind: 'dir'; path: string; mtime: Date } | { kind: 'member'; index: number };

type TreeNode = { path: string; mtime: Date; index?: number; children: TreeNode[] };

/** Every directory before what it holds, the entries of each directory in reverse of their order in the sdist. */
export function reversedCreationOrder(members: readonly SdistMember[]): CreationStep[] {
  const dirs = new Map<string, TreeNode>([['', { path: '', mtime: new Date(0), children: [] }]]);
  const parentOf = (path: string): string => path.slice(0, Math.max(0, path.lastIndexOf('/')));
  const ensureDir = (path: string, mtime: Date): TreeNode => {
    const known = dirs.get(path);
    if (known !== undefined) return known;
    const node: TreeNode = { path, mtime, children: [] };
    dirs.set(path, node);
    ensureDir(parentOf(path), mtime).children.push(node);
    return node;
  };
  for (const [index, member] of members.entries()) {
    for (const implied of member.impliedDirs) ensureDir(implied, member.mtime);
    if (member.kind === 'directory') ensureDir(member.path, member.mtime);
    else ensureDir(parentOf(member.path), member.mtime).children.push({ path: member.path, mtime: member.mtime, index, children: [] });
  }
  const steps: CreationStep[] = [];
  const walk = (node: TreeNode): void => {
    for (const child of [...node.children].reverse()) {
      steps.push(child.index === undefined ? { kind: 'dir', path: child.path, mtime: child.mtime } : { kind: 'member', index: child.index });
      walk(child);
    }
  };
  walk(dirs.get('') as TreeNode);
  return steps;
}

/** Read the sdist once (every rule applied) into a spool file, then emit it in reversed creation order. */
async function replayReversed(
  path: string,
  limits: ArchiveLimits,
  spoolDir: string,
  signal: AbortSignal,
  dir: (rel: string, mtime: Date) => Promise<void>,
  emit: (member: SdistMember, body: AsyncIterable<Buffer>) => Promise<void>,
): Promise<void> {
  const spool = join(spoolDir, `.repack-spool-${randomBytes(8).toString('hex')}`);
  const handle = await open(spool, 'wx', 0o600);
  try {
    const spooled: Array<{ member: SdistMember; start: number; size: number }> = [];
    let offset = 0;
    await walkSdist(path, limits, async (member, body) => {
      const start = offset;
      for await (const chunk of member.kind === 'file' ? body : []) {
        for (let done = 0; done < chunk.length; ) done += (await handle.write(chunk, done, chunk.length - done, offset + done)).bytesWritten;
        offset += chunk.length;
      }
      spooled.push({ member, start, size: offset - start });
    }, signal);
    await handle.close();
    for (const step of reversedCreationOrder(spooled.map((s) => s.member))) {
      signal.throwIfAborted();
      if (step.kind === 'dir') {
        await dir(step.path, step.mtime);
        continue;
      }
      const entry = spooled[step.index] as (typeof spooled)[number];
      const body = entry.size === 0 ? [] : createReadStream(spool, { start: entry.start, end: entry.start + entry.size - 1 });
      await emit({ ...entry.member, size: entry.size }, body as AsyncIterable<Buffer>);
    }
  } finally {
    await handle.close().catch(() => undefined);
    await rm(spool, { force: true });
  }
}
