import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { inspectSdist } from '../../src/inspect/sdist.js';
import { buildTar, makeSdistEntries, writeTarGz, type TarEntrySpec } from '../fixtures/tar.js';
import { refusal } from '../helpers/errors.js';
import { useTempDir } from '../helpers/tmp.js';
import { base, expectRefused } from './sdist-helpers.js';

const tmp = useTempDir('limits', { per: 'suite' });
let counter = 0;

async function sdist(entries: TarEntrySpec[], file = `pkg-1.0-${(counter += 1)}.tar.gz`): Promise<string> {
  const written = await writeTarGz(join(tmp.path, file), entries);
  return written.path;
}

describe('inspectSdist enforces size limits', () => {
  it('refuses more members than the limit', async () => {
    const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`m${i}.py`, '']));
    const path = await sdist(base(files));

    const err = await refusal(inspectSdist(path, { limits: { maxMembers: 5 } }));

    expectRefused(err, 'too-many-members', 'pkg-1.0/m3.py');
  });

  it('stops a gzip bomb by its ratio while decompressing', async () => {
    const name = 'pkg-1.0/zeros.bin';
    const path = await sdist([...base(), { name, content: Buffer.alloc(50 * 1024 * 1024) }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'ratio', name);
  });

  it('stops endless padding after the last member', async () => {
    const tar = await buildTar(base());
    const path = join(tmp.path, `padded-${(counter += 1)}.tar.gz`);
    await writeFile(path, gzipSync(Buffer.concat([tar, Buffer.alloc(8 * 1024 * 1024)])));

    const err = await refusal(inspectSdist(path, { limits: { maxRatio: 1e9, maxTotalBytes: 1024 * 1024, maxMembers: 10 } }));

    expect(err.details).toMatchObject({ rule: 'total-too-large', member: `padded-${counter}.tar.gz` });
  });

  it('refuses a member over the size limit', async () => {
    const name = 'pkg-1.0/big.bin';
    const path = await sdist([...base(), { name, content: 'x'.repeat(4096) }]);

    const err = await refusal(inspectSdist(path, { limits: { maxMemberBytes: 1024 } }));

    expectRefused(err, 'member-too-large', name);
  });

  it('refuses a huge declared size from the header alone', async () => {
    const name = 'pkg-1.0/huge.bin';
    const path = await sdist([...base(), { name, content: 'tiny', size: 10 * 1024 ** 4 }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'member-too-large', name);
  });

  it('refuses members whose total exceeds the limit', async () => {
    const path = await sdist(base({ 'a.bin': 'x'.repeat(600), 'b.bin': 'x'.repeat(600) }));

    const err = await refusal(inspectSdist(path, { limits: { maxTotalBytes: 1024 } }));

    expectRefused(err, 'total-too-large', 'pkg-1.0/b.bin');
  });

  it('refuses a compressed file over the limit before reading it', async () => {
    const path = await sdist(base());

    const err = await refusal(inspectSdist(path, { limits: { maxCompressedBytes: 16 } }));

    expect(err.details.rule).toBe('compressed-too-large');
    expect(err.message).toContain('pkg-1.0-');
  });
});

describe('inspectSdist refuses files that are not gzip tar sdists', () => {
  it('refuses a zip sdist by name, pointing at PEP 625', async () => {
    const path = join(tmp.path, 'pkg-1.0.zip');
    await writeFile(path, 'PK\u0003\u0004');

    const err = await refusal(inspectSdist(path));

    expect(err.code).toBe('ERR_ARCHIVE_UNSAFE');
    expect(err.details.rule).toBe('format');
    expect(err.message).toContain('pkg-1.0.zip');
    expect(err.hint).toContain('PEP 625');
  });

  it.each([
    ['plain text', Buffer.from('not a gzip stream at all')],
    ['an uncompressed tar', Buffer.alloc(2048, 0x41)],
  ])('refuses %s named .tar.gz by its content, not its name', async (_label, bytes) => {
    const path = join(tmp.path, `corrupt-${(counter += 1)}.tar.gz`);
    await writeFile(path, bytes);

    const err = await refusal(inspectSdist(path));

    expect(err.code).toBe('ERR_ARCHIVE_UNSAFE');
    expect(err.details.rule).toBe('format');
    expect(err.message).toContain(`corrupt-${counter}.tar.gz`);
  });

  it('refuses gzip of garbage as corrupt', async () => {
    const path = join(tmp.path, `corrupt-${(counter += 1)}.tar.gz`);
    await writeFile(path, gzipSync(Buffer.alloc(2048, 0x41)));

    const err = await refusal(inspectSdist(path));

    expect(err.code).toBe('ERR_ARCHIVE_UNSAFE');
    expect(err.details.rule).toBe('corrupt');
    expect(err.message).toContain(`corrupt-${counter}.tar.gz`);
  });

  it('refuses a truncated sdist as corrupt', async () => {
    const path = await sdist(base({ 'data.txt': 'some text '.repeat(5000) }));
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));

    const err = await refusal(inspectSdist(path));

    expect(err.details.rule).toBe('corrupt');
    expect(err.message).toContain(path.split('/').pop());
  });
});

describe('inspectSdist checks PKG-INFO against the pin', () => {
  it.each([
    [{ name: 'other', version: '1.0' }, 'other 1.0'],
    [{ name: 'pkg', version: '1.1' }, 'pkg 1.1'],
  ])('refuses a PKG-INFO that is not %j', async (expected, pinned) => {
    const path = await sdist(base());

    const err = await refusal(inspectSdist(path, { expect: expected }));

    expectRefused(err, 'pkg-info-mismatch', 'pkg-1.0/PKG-INFO');
    expect(err.message).toContain('"pkg" "1.0"');
    expect(err.message).toContain(pinned);
  });

  it('refuses an sdist without PKG-INFO when a pin is expected', async () => {
    const path = await sdist([{ name: 'pkg-1.0/setup.py', content: '' }]);

    const err = await refusal(inspectSdist(path, { expect: { name: 'pkg', version: '1.0' } }));

    expectRefused(err, 'pkg-info-missing', 'pkg-1.0/PKG-INFO');
  });

  it('accepts a PKG-INFO name that differs only by PEP 503 normalisation', async () => {
    const path = await sdist(makeSdistEntries('Foo.Bar_baz', '2.0', {}));

    const result = await inspectSdist(path, { expect: { name: 'foo-bar-baz', version: '2.0' } });

    expect(result.pkgInfo).toEqual({ name: 'Foo.Bar_baz', version: '2.0' });
  });
});
