import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import type { SdistMember } from '../../src/inspect/member-check.js';
import { repackSdist, reversedCreationOrder } from '../../src/inspect/repack.js';
import { makeSdistEntries, writeTarGz, type TarEntrySpec } from '../fixtures/tar.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('verify-order', { per: 'suite' });

async function readTar(stream: Readable): Promise<Array<{ name: string; uid: number; content: string }>> {
  const extract = tarExtract();
  stream.on('error', (err) => extract.destroy(err));
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  const out: Array<{ name: string; uid: number; content: string }> = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    out.push({ name: entry.header.name, uid: entry.header.uid ?? -1, content: Buffer.concat(chunks).toString() });
  }
  return out;
}

function member(path: string, kind: SdistMember['kind'] = 'file', impliedDirs: string[] = []): SdistMember {
  return { name: `pkg-1.0/${path}`, kind, path, mode: 0o644, mtime: new Date(0), size: 0, linkname: null, impliedDirs };
}

describe('reversedCreationOrder', () => {
  it('reverses the entries of every directory but still creates each directory before its contents', () => {
    const members = [member('a.txt'), member('pkg', 'directory'), member('pkg/x.py'), member('pkg/y.py'), member('deep/er/z.py', 'file', ['deep', 'deep/er']), member('b.txt')];

    const steps = reversedCreationOrder(members);

    expect(steps.map((s) => (s.kind === 'dir' ? `${s.path}/` : members[s.index]?.path))).toEqual(['b.txt', 'deep/', 'deep/er/', 'deep/er/z.py', 'pkg/', 'pkg/y.py', 'pkg/x.py', 'a.txt']);
  });
});

describe('repackSdist in reverse order', () => {
  it('creates the same tree, with the same content and owner, in reversed order, and leaves no spool behind', async () => {
    const entries: TarEntrySpec[] = [...makeSdistEntries('pkg', '1.0', { 'a.py': 'A', 'sub/b.py': 'B', 'sub/c.py': 'C', 'z.py': 'Z' })];
    const { path } = await writeTarGz(join(tmp.path, 'pkg-1.0.tar.gz'), entries);
    const spoolDir = join(tmp.path, 'spool');
    await mkdir(spoolDir);

    const forward = await readTar(repackSdist(path, { prefix: 'x/src', uid: 1234, gid: 1234 }));
    const reversed = await readTar(repackSdist(path, { prefix: 'x/src', uid: 1234, gid: 1234, order: 'reverse', spoolDir }));

    expect(forward.map((e) => e.name)).toEqual(['x/src/', 'x/src/PKG-INFO', 'x/src/a.py', 'x/src/sub/', 'x/src/sub/b.py', 'x/src/sub/c.py', 'x/src/z.py']);
    expect(reversed.map((e) => e.name)).toEqual(['x/src/', 'x/src/z.py', 'x/src/sub/', 'x/src/sub/c.py', 'x/src/sub/b.py', 'x/src/a.py', 'x/src/PKG-INFO']);
    expect(new Map(reversed.map((e) => [e.name, e.content]))).toEqual(new Map(forward.map((e) => [e.name, e.content])));
    expect(reversed.every((e) => e.uid === 1234)).toBe(true);
    expect(await readdir(spoolDir)).toEqual([]);
  });

  it('applies every archive rule before anything is emitted', async () => {
    const { path } = await writeTarGz(join(tmp.path, 'evil-1.0.tar.gz'), [...makeSdistEntries('evil', '1.0', { 'ok.py': 'x' }), { name: 'evil-1.0/../escape.py', content: 'x' }]);

    const err = await readTar(repackSdist(path, { prefix: 'src', uid: 1000, gid: 1000, order: 'reverse', spoolDir: tmp.path })).catch((e: unknown) => e);

    expect(isHbuildError(err, 'ERR_ARCHIVE_UNSAFE')).toBe(true);
    expect((await readdir(tmp.path)).filter((n) => n.startsWith('.repack-spool-'))).toEqual([]);
  });
});
