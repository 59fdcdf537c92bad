import { Readable } from 'node:stream';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { resolveLimits, type ArchiveLimits } from './limits.js';
import { checkMemberName } from './member-path.js';
import { walkSdist, type SdistMember } from './walk.js';

export interface RepackOptions {
  /** Replaces the sdist's top directory, e.g. `src`. */
  prefix: string;
  uid: number;
  gid: number;
  limits?: Partial<ArchiveLimits>;
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

  const visit = async (member: SdistMember, body: AsyncIterable<Buffer>): Promise<void> => {
    for (const implied of member.impliedDirs) await dir(implied, member.mtime);
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

  const walked = (async () => {
    await addEntry(pack, { ...owner, name: `${prefix}/`, type: 'directory', mode: 0o755, mtime: new Date(0) });
    await walkSdist(path, limits, visit, abort.signal);
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
