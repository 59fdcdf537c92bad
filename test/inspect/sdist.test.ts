import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectSdist } from '../../src/inspect/sdist.js';
import { writeTarGz, type TarEntrySpec } from '../fixtures/tar.js';
import { refusal } from '../helpers/errors.js';
import { useTempDir } from '../helpers/tmp.js';
import { base, expectRefused } from './sdist-helpers.js';

const tmp = useTempDir('inspect', { per: 'suite' });
let counter = 0;

async function sdist(entries: TarEntrySpec[], file = `pkg-1.0-${(counter += 1)}.tar.gz`): Promise<string> {
  const written = await writeTarGz(join(tmp.path, file), entries);
  return written.path;
}

describe('inspectSdist on a benign sdist', () => {
  it('describes the tree, PKG-INFO and build files', async () => {
    const path = await sdist(
      base({ 'pyproject.toml': '[build-system]\nrequires = []\n', 'setup.py': 'setup()\n', 'src/pkg/__init__.py': '' }),
    );

    const result = await inspectSdist(path, { expect: { name: 'PKG', version: '1.0.0' } });

    expect(result).toMatchObject({
      topDir: 'pkg-1.0',
      members: 5,
      pkgInfo: { name: 'pkg', version: '1.0' },
      pyprojectToml: '[build-system]\nrequires = []\n',
      setupPy: true,
    });
    expect(result.treeDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.totalBytes).toBeGreaterThan(0);
  });

  it('reports a missing pyproject.toml as null and accepts an in-tree symlink', async () => {
    const path = await sdist([
      ...base({ 'README.rst': 'hello\n', 'docs/index.rst': 'docs\n' }),
      { name: 'pkg-1.0/docs/README.rst', type: 'symlink', linkname: '../README.rst' },
    ]);

    const result = await inspectSdist(path);

    expect(result.pyprojectToml).toBeNull();
    expect(result.setupPy).toBe(false);
    expect(result.members).toBe(5);
  });
});

describe('inspectSdist refuses hostile member names', () => {
  it.each([
    ['path-traversal', 'pkg-1.0/../../evil.py'],
    ['path-traversal', '../evil.py'],
    ['absolute-path', '/etc/cron.d/evil'],
    ['absolute-path', 'C:/Windows/evil.dll'],
    ['backslash', 'pkg-1.0\\..\\evil.py'],
    ['control-char', 'pkg-1.0/evil\nforged log line'],
    ['control-char', 'pkg-1.0/\u001b[31mred.py'],
  ])('refuses %s in %j', async (rule, name) => {
    const path = await sdist([...base(), { name, content: 'x' }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, rule, name);
  });

  it('refuses a pax header that renames a benign member outside the tree', async () => {
    const path = await sdist([...base(), { name: 'pkg-1.0/ok.py', content: 'x', pax: { path: 'pkg-1.0/../../evil.py' } }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'path-traversal', 'pkg-1.0/../../evil.py');
  });

  it('refuses a name over the path length limit', async () => {
    const name = `pkg-1.0/${'a'.repeat(150)}`;
    const path = await sdist([...base(), { name, content: 'x' }]);

    const err = await refusal(inspectSdist(path, { limits: { maxPathLength: 100 } }));

    expectRefused(err, 'path-too-long', name);
  });
});

describe('inspectSdist refuses links and special files', () => {
  it.each([
    ['symlink-escape', '../../etc/passwd'],
    ['symlink-escape', '..'],
    ['symlink-escape', 'sub/../../x'],
    ['symlink-absolute', '/etc/passwd'],
  ])('refuses %s for a symlink to %j', async (rule, linkname) => {
    const name = 'pkg-1.0/link';
    const path = await sdist([...base(), { name, type: 'symlink', linkname }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, rule, name);
  });

  it('refuses a member written through an in-tree symlink', async () => {
    const path = await sdist([
      ...base({ 'sub/a.py': '' }),
      { name: 'pkg-1.0/lib', type: 'symlink', linkname: 'sub' },
      { name: 'pkg-1.0/lib/evil.py', content: 'x' },
    ]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'path-conflict', 'pkg-1.0/lib/evil.py');
  });

  it('refuses every hardlink, even one inside the tree', async () => {
    const name = 'pkg-1.0/hard';
    const path = await sdist([...base(), { name, type: 'link', linkname: 'pkg-1.0/setup.py' }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'hardlink', name);
  });

  it.each(['character-device', 'block-device', 'fifo'] as const)('refuses a %s', async (type) => {
    const name = `pkg-1.0/${type}`;
    const path = await sdist([...base(), { name, type }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'special-file', name);
  });
});

describe('inspectSdist refuses a malformed layout', () => {
  it('refuses a second top-level directory', async () => {
    const path = await sdist([...base(), { name: 'other-1.0/evil.py', content: 'x' }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'multiple-top-dirs', 'other-1.0/evil.py');
  });

  it.each([
    ['after', (evil: TarEntrySpec[]) => [...base(), ...evil]],
    ['before', (evil: TarEntrySpec[]) => [...evil, ...base()]],
  ])('refuses a file beside the top directory, %s it', async (_order, arrange) => {
    const path = await sdist(arrange([{ name: 'evil.py', content: 'x' }]));

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'outside-top-dir', 'evil.py');
  });

  it('refuses a path that appears twice after normalisation', async () => {
    const path = await sdist([...base(), { name: 'pkg-1.0/./setup.py', content: 'evil' }]);

    const err = await refusal(inspectSdist(path));

    expectRefused(err, 'duplicate-path', 'pkg-1.0/./setup.py');
  });

  it('refuses an archive with no members', async () => {
    const path = await sdist([]);

    const err = await refusal(inspectSdist(path));

    expect(err.code).toBe('ERR_ARCHIVE_UNSAFE');
    expect(err.details.rule).toBe('empty-archive');
  });
});
