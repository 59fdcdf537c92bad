import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import { scanForSentinels } from '../../src/verify/scan.js';
import { dosDateTime } from '../../src/verify/wheel-catalogue.js';
import { diffWheels } from '../../src/verify/wheel-diff.js';
import { buildZip, writeWheel } from '../fixtures/wheel.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('verify-diff', { per: 'suite' });
let n = 0;

async function wheel(files: Record<string, string>, extra: Parameters<typeof writeWheel>[1] = { name: 'fx', version: '1.0' }): Promise<string> {
  const sub = join(tmp.path, String((n += 1)));
  await mkdir(sub);
  return (await writeWheel(sub, { ...extra, name: 'fx', version: '1.0', files })).path;
}

describe('diffWheels', () => {
  it('finds nothing to explain in identical wheels', async () => {
    const [a, b] = [await wheel({ 'fx/__init__.py': 'x = 1\n' }), await wheel({ 'fx/__init__.py': 'x = 1\n' })];

    const diff = await diffWheels({ label: 'control', path: a }, { label: 'variations', path: b });

    expect(diff).toMatchObject({ classification: 'identical', differences: [], differingFiles: [], details: [], truncated: false });
  });

  it('names the file whose content differs, with a text diff, and sees that RECORD only follows from it', async () => {
    const [a, b] = [await wheel({ 'fx/__init__.py': 'x = 1\n', 'fx/same.py': '' }), await wheel({ 'fx/__init__.py': 'x = 2\n', 'fx/same.py': '' })];

    const diff = await diffWheels({ label: 'control', path: a }, { label: 'variations', path: b });

    expect(diff.classification).toBe('content');
    expect(diff.differingFiles).toEqual(['fx/__init__.py']);
    expect(diff.details).toEqual([
      { entry: 'fx/__init__.py', type: 'text', textDiff: ['@@ -1,1 +1,1 @@', '-x = 1', '+x = 2'] },
      expect.objectContaining({ entry: 'fx-1.0.dist-info/RECORD', type: 'text', derived: true }),
    ]);
    expect(diff.differences.map((d) => `${d.entry} ${d.kind} ${d.class}`)).toEqual(['fx/__init__.py content content', 'fx-1.0.dist-info/RECORD content content']);
  });

  it('lists files only one side has', async () => {
    const [a, b] = [await wheel({ 'fx/__init__.py': '' }), await wheel({ 'fx/__init__.py': '', 'fx/extra.py': 'y\n' })];

    const diff = await diffWheels({ label: 'control', path: a }, { label: 'variations', path: b });

    expect(diff.differingFiles).toEqual(['fx/extra.py']);
    expect(diff.differences).toContainEqual({ entry: 'fx/extra.py', kind: 'only-right', class: 'content', right: expect.stringMatching(/^2 bytes, sha256 [0-9a-f]{64}$/) });
  });

  it('classifies a mode, order or compression difference as archive metadata only', async () => {
    const entries = [
      { name: 'fx/a.py', content: 'a' },
      { name: 'fx/b.py', content: 'b' },
    ];
    const a = join(tmp.path, 'fx-1.0-py3-none-any.whl');
    const b = join(tmp.path, 'meta', 'fx-1.0-py3-none-any.whl');
    await mkdir(join(tmp.path, 'meta'));
    await writeFile(a, buildZip(entries));
    await writeFile(b, buildZip([{ name: 'fx/b.py', content: 'b', store: true }, { name: 'fx/a.py', content: 'a', mode: 0o100755 }]));

    const diff = await diffWheels({ label: 'control', path: a }, { label: 'variations', path: b });

    expect(diff.classification).toBe('archive-metadata-only');
    expect(diff.differingFiles).toEqual([]);
    expect(diff.differences).toEqual([
      { entry: 'fx/a.py', kind: 'mode', class: 'archive-metadata', left: '0o100644', right: '0o100755' },
      { entry: 'fx/b.py', kind: 'compression', class: 'archive-metadata', left: 'deflated', right: 'stored' },
      { entry: '(archive)', kind: 'order', class: 'archive-metadata', left: '#1: fx/a.py', right: '#1: fx/b.py' },
    ]);
    expect(diff.entryOrder).toEqual({ left: ['fx/a.py', 'fx/b.py'], right: ['fx/b.py', 'fx/a.py'] });
  });

  it('refuses a hostile wheel with the wheel check\'s error', async () => {
    const good = await wheel({ 'fx/__init__.py': '' });
    const evil = join(tmp.path, 'evil.zip');
    await writeFile(evil, buildZip([{ name: '../../escape.py', content: 'x' }]));

    const err = await diffWheels({ label: 'control', path: good }, { label: 'variations', path: evil }).catch((e: unknown) => e);

    expect(isHbuildError(err, 'ERR_WHEEL_INVALID')).toBe(true);
    expect((err as Error).message).toContain('escape.py');
  });

  it('decodes DOS timestamps as stored', () => {
    const stamp = dosDateTime(0x21, 0);

    expect(stamp).toBe('1980-01-01 00:00:00');
  });
});

describe('scanForSentinels', () => {
  it('finds planted strings in entry names and in content, across chunk boundaries', async () => {
    const big = `${'x'.repeat(70_000)}/build/hbv-path-1234/src${'y'.repeat(70_000)}`;
    const path = await wheel({ 'fx/__init__.py': 'HOST = "hbv-host-99"\n', 'fx/big.txt': big, 'fx/hbv-home-7.txt': '' });

    const leaks = await scanForSentinels(path, [
      { kind: 'build path', value: 'hbv-path-1234' },
      { kind: 'host name', value: 'hbv-host-99' },
      { kind: 'HOME', value: 'hbv-home-7' },
      { kind: 'user name', value: 'hbvuser-absent' },
    ]);

    expect(leaks).toEqual(
      expect.arrayContaining([
        { kind: 'host name', value: 'hbv-host-99', entry: 'fx/__init__.py', where: 'content' },
        { kind: 'build path', value: 'hbv-path-1234', entry: 'fx/big.txt', where: 'content' },
        { kind: 'HOME', value: 'hbv-home-7', entry: 'fx/hbv-home-7.txt', where: 'name' },
      ]),
    );
    expect(leaks.filter((l) => l.kind === 'user name')).toEqual([]);
  });
});
