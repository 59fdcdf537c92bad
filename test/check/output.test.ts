import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { extractWheel } from '../../src/check/output.js';
import { tarStream, writeOutputTar, type TarEntrySpec } from '../fixtures/wheel.js';
import { refusal } from '../helpers/errors.js';
import { useTempDir } from '../helpers/tmp.js';

const WHEEL = 'demo_pkg-1.0.0-py3-none-any.whl';
const OUT_DIR: TarEntrySpec = { name: 'out/', type: 'directory', mode: 0o755 };
const tmp = useTempDir('check-output');
let dest: string;

beforeEach(async () => {
  dest = join(tmp.path, 'dest');
});

describe('extractWheel', () => {
  it('extracts the one wheel and hashes it', async () => {
    const content = Buffer.from('PK fake wheel bytes');
    const tar = await writeOutputTar([OUT_DIR, { name: `out/${WHEEL}`, content }]);

    const result = await extractWheel(tarStream(tar), dest);

    expect(result).toEqual({
      path: join(dest, WHEEL),
      file: WHEEL,
      sha256: createHash('sha256').update(content).digest('hex'),
      size: content.length,
    });
    expect(await readFile(result.path)).toEqual(content);
    expect(await readdir(dest)).toEqual([WHEEL]);
  });

  it('refuses an output without a wheel', async () => {
    const tar = await writeOutputTar([OUT_DIR]);

    const err = await refusal(extractWheel(tarStream(tar), dest));

    expect(err.code).toBe('ERR_BUILD_OUTPUT');
    expect(err.message).toBe('the build produced no wheel');
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses a second file, leaving nothing behind', async () => {
    const tar = await writeOutputTar([
      OUT_DIR,
      { name: `out/${WHEEL}`, content: 'one' },
      { name: 'out/demo_pkg-1.0.0-py2-none-any.whl', content: 'two' },
    ]);

    const err = await refusal(extractWheel(tarStream(tar), dest));

    expect(err.code).toBe('ERR_BUILD_OUTPUT');
    expect(err.details).toEqual({ member: 'out/demo_pkg-1.0.0-py2-none-any.whl' });
    expect(err.message).toContain('more than one file');
    expect(await readdir(dest)).toEqual([]);
  });

  it.each<[string, TarEntrySpec, string]>([
    ['a symlink', { name: `out/${WHEEL}`, type: 'symlink', linkname: '/etc/shadow' }, 'is a symlink'],
    ['a hardlink', { name: `out/${WHEEL}`, type: 'link', linkname: 'out/other' }, 'is a hardlink'],
    ['a device', { name: `out/${WHEEL}`, type: 'character-device', devmajor: 1, devminor: 3 }, 'character-device'],
    ['a nested path', { name: `out/sub/${WHEEL}`, content: 'x' }, 'nested path'],
    ['a traversal name', { name: `out/../${WHEEL}`, content: 'x' }, 'path traversal'],
    ['an absolute name', { name: `/out/${WHEEL}`, content: 'x' }, 'absolute path'],
    ['a backslash name', { name: `out/..\\${WHEEL}`, content: 'x' }, 'backslash'],
    ['a control character', { name: `out/demo\u0007-1.0-py3-none-any.whl`, content: 'x' }, 'control character'],
    ['a non-wheel file', { name: 'out/build.log', content: 'x' }, 'not a valid wheel file name'],
    ['a file outside out/', { name: WHEEL, content: 'x' }, 'nested path'],
    ['another directory', { name: 'out/sub/', type: 'directory' }, 'unexpected directory'],
  ])('refuses %s', async (_what, member, why) => {
    const tar = await writeOutputTar([OUT_DIR, member]);

    const err = await refusal(extractWheel(tarStream(tar), dest));

    expect(err.code).toBe('ERR_BUILD_OUTPUT');
    expect(err.details).toEqual({ member: member.name });
    expect(err.message).toContain(why);
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses a wheel over the size limit before reading it', async () => {
    const tar = await writeOutputTar([OUT_DIR, { name: `out/${WHEEL}`, content: Buffer.alloc(4096) }]);

    const err = await refusal(extractWheel(tarStream(tar), dest, { maxBytes: 1024 }));

    expect(err.code).toBe('ERR_BUILD_OUTPUT');
    expect(err.details).toEqual({ member: `out/${WHEEL}` });
    expect(err.message).toContain('exceeds the limit of 1024');
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses a truncated archive and removes the partial wheel', async () => {
    const tar = await writeOutputTar([OUT_DIR, { name: `out/${WHEEL}`, content: Buffer.alloc(64 * 1024, 1) }]);

    const err = await refusal(extractWheel(tarStream(tar.subarray(0, 20 * 1024)), dest));

    expect(err.code).toBe('ERR_BUILD_OUTPUT');
    expect(err.message).toContain('unreadable');
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses a file that follows the wheel, removing the wheel already written', async () => {
    const tar = await writeOutputTar([OUT_DIR, { name: `out/${WHEEL}`, content: 'wheel' }, { name: 'out/x', type: 'symlink', linkname: '/' }]);

    const err = await refusal(extractWheel(tarStream(tar), dest));

    expect(err.details).toEqual({ member: 'out/x' });
    expect(await readdir(dest)).toEqual([]);
  });

  it('refuses an archive that keeps streaming past the limit', async () => {
    const tar = await writeOutputTar([OUT_DIR, { name: `out/${WHEEL}`, content: 'wheel' }]);
    const endless = Buffer.concat([tar, Buffer.alloc(2 * 1024 * 1024)]);

    const err = await refusal(extractWheel(tarStream(endless), dest, { maxBytes: 1024 }));

    expect(err.code).toBe('ERR_BUILD_OUTPUT');
    expect(err.message).toContain('archive exceeds');
    expect(await readdir(dest)).toEqual([]);
  });
});
