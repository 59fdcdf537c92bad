import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract as tarExtract, type Header } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import { repackSdist } from '../../src/inspect/sdist.js';
import { FIXTURE_MTIME, makeSdistEntries, writeTarGz, type TarEntrySpec } from '../fixtures/tar.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('repack', { per: 'suite' });
let counter = 0;

async function sdist(entries: TarEntrySpec[]): Promise<string> {
  return (await writeTarGz(join(tmp.path, `pkg-1.0-${(counter += 1)}.tar.gz`), entries)).path;
}

interface ReadEntry {
  header: Header;
  content: string;
}

async function readTar(stream: Readable): Promise<ReadEntry[]> {
  const extract = tarExtract();
  stream.on('error', (err) => extract.destroy(err));
  stream.pipe(extract as unknown as NodeJS.WritableStream);
  const entries: ReadEntry[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push({ header: entry.header, content: Buffer.concat(chunks).toString() });
  }
  return entries;
}

const OLD = new Date('2001-02-03T04:05:06Z');

function fixture(): TarEntrySpec[] {
  return [
    ...makeSdistEntries('pkg', '1.0', { 'setup.py': 'setup()\n' }),
    { name: 'pkg-1.0/src/pkg/__init__.py', content: 'VERSION = "1.0"\n', mtime: OLD },
    { name: 'pkg-1.0/bin/run', content: '#!/bin/sh\n', mode: 0o4755 },
    { name: 'pkg-1.0/docs/', type: 'directory', mode: 0o700 },
    { name: 'pkg-1.0/docs/latest', type: 'symlink', linkname: '../src/./pkg' },
  ];
}

describe('repackSdist', () => {
  it('emits the prefix first and every member under it, owned by uid:gid', async () => {
    const path = await sdist(fixture());

    const entries = await readTar(repackSdist(path, { prefix: 'src', uid: 1000, gid: 1001 }));

    expect(entries[0]?.header).toMatchObject({ name: 'src/', type: 'directory', mode: 0o755 });
    for (const { header } of entries) {
      expect(header.name.startsWith('src/')).toBe(true);
      expect([header.uid, header.gid]).toEqual([1000, 1001]);
    }
    expect(entries.map((e) => e.header.name)).toEqual([
      'src/',
      'src/PKG-INFO',
      'src/setup.py',
      'src/src/',
      'src/src/pkg/',
      'src/src/pkg/__init__.py',
      'src/bin/',
      'src/bin/run',
      'src/docs/',
      'src/docs/latest',
    ]);
  });

  it('keeps content, exec bits and mtimes but normalises modes', async () => {
    const path = await sdist(fixture());

    const entries = await readTar(repackSdist(path, { prefix: 'src', uid: 1000, gid: 1000 }));
    const byName = new Map(entries.map((e) => [e.header.name, e]));

    expect(byName.get('src/src/pkg/__init__.py')).toMatchObject({
      content: 'VERSION = "1.0"\n',
      header: { type: 'file', mode: 0o644, mtime: OLD },
    });
    expect(byName.get('src/bin/run')?.header).toMatchObject({ mode: 0o755, mtime: FIXTURE_MTIME });
    expect(byName.get('src/docs/')?.header.mode).toBe(0o755);
    expect(byName.get('src/docs/latest')?.header).toMatchObject({ type: 'symlink', linkname: '../src/pkg' });
    expect(byName.get('src/PKG-INFO')?.content).toContain('Name: pkg');
  });

  it('streams a large member without buffering it whole', async () => {
    const big = randomBytes(4 << 20).toString('hex');
    const path = await sdist([...makeSdistEntries('pkg', '1.0', {}), { name: 'pkg-1.0/big.txt', content: big }]);

    const entries = await readTar(repackSdist(path, { prefix: 'src', uid: 0, gid: 0 }));

    expect(entries.find((e) => e.header.name === 'src/big.txt')?.content).toBe(big);
  });

  it.each([
    ['symlink-escape', { name: 'pkg-1.0/link', type: 'symlink', linkname: '../../etc/passwd' }],
    ['path-traversal', { name: 'pkg-1.0/../evil.py', content: 'x' }],
    ['special-file', { name: 'pkg-1.0/dev', type: 'character-device' }],
  ] as const)('fails the stream with %s', async (rule, hostile) => {
    const path = await sdist([...fixture(), hostile]);

    const err = await readTar(repackSdist(path, { prefix: 'src', uid: 1000, gid: 1000 })).catch((e: unknown) => e);

    expect(isHbuildError(err, 'ERR_ARCHIVE_UNSAFE')).toBe(true);
    expect(isHbuildError(err) && err.details).toMatchObject({ rule, member: hostile.name });
  });

  it('stops reading when the consumer goes away', async () => {
    const path = await sdist([...makeSdistEntries('pkg', '1.0', {}), { name: 'pkg-1.0/big', content: 'x'.repeat(4 << 20) }]);
    const stream = repackSdist(path, { prefix: 'src', uid: 0, gid: 0 });
    await new Promise((resolve) => stream.once('readable', resolve));

    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));

    expect(stream.destroyed).toBe(true);
  });

  it.each([
    [{ prefix: '../up', uid: 0, gid: 0 }],
    [{ prefix: '/abs', uid: 0, gid: 0 }],
    [{ prefix: 'src', uid: -1, gid: 0 }],
    [{ prefix: 'src', uid: 0, gid: 2 ** 32 }],
  ])('rejects unusable options %j', (opts) => {
    const act = (): unknown => repackSdist(join(tmp.path, 'unused.tar.gz'), opts);

    expect(act).toThrow(RangeError);
  });
});
