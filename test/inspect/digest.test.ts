import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectSdist } from '../../src/inspect/sdist.js';
import { renderTreeListing } from '../../src/inspect/tree-listing.js';
import { writeTarGz, type TarEntrySpec } from '../fixtures/tar.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('digest', { per: 'suite' });
let counter = 0;

const PKG_INFO = 'Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n';

function tree(): TarEntrySpec[] {
  return [
    { name: 'pkg-1.0/', type: 'directory' },
    { name: 'pkg-1.0/PKG-INFO', content: PKG_INFO },
    { name: 'pkg-1.0/src/', type: 'directory' },
    { name: 'pkg-1.0/src/pkg/__init__.py', content: 'VERSION = "1.0"\n' },
    { name: 'pkg-1.0/bin/run', content: '#!/bin/sh\n', mode: 0o755 },
    { name: 'pkg-1.0/docs/latest', type: 'symlink', linkname: '../src' },
  ];
}

async function digestOf(entries: TarEntrySpec[]): Promise<string> {
  const written = await writeTarGz(join(tmp.path, `pkg-1.0-${(counter += 1)}.tar.gz`), entries);
  return (await inspectSdist(written.path)).treeDigest;
}

describe('treeDigest', () => {
  it('ignores member order and mtimes', async () => {
    const shuffled = [...tree()].reverse().map((entry, i) => ({ ...entry, mtime: new Date(i * 86_400_000) }));

    const [original, reordered] = [await digestOf(tree()), await digestOf(shuffled)];

    expect(reordered).toBe(original);
  });

  it('ignores whether directories are listed or implied', async () => {
    const withoutDirs = tree().filter((entry) => entry.type !== 'directory');

    const [original, implied] = [await digestOf(tree()), await digestOf(withoutDirs)];

    expect(implied).toBe(original);
  });

  it('ignores permission bits other than exec', async () => {
    const tightened = tree().map((entry) => (entry.name.endsWith('.py') ? { ...entry, mode: 0o600 } : entry));

    const [original, changed] = [await digestOf(tree()), await digestOf(tightened)];

    expect(changed).toBe(original);
  });

  it.each([
    ['content', (e: TarEntrySpec) => (e.name.endsWith('.py') ? { ...e, content: 'VERSION = "2.0"\n' } : e)],
    ['an exec bit', (e: TarEntrySpec) => (e.name.endsWith('run') ? { ...e, mode: 0o644 } : e)],
    ['a link target', (e: TarEntrySpec) => (e.type === 'symlink' ? { ...e, linkname: '../bin' } : e)],
    ['a path', (e: TarEntrySpec) => (e.name.endsWith('run') ? { ...e, name: 'pkg-1.0/bin/run2' } : e)],
  ])('changes with %s', async (_what, change) => {
    const changed = tree().map(change);

    const [original, other] = [await digestOf(tree()), await digestOf(changed)];

    expect(other).not.toBe(original);
  });
});

describe('renderTreeListing', () => {
  it('sorts by path and renders one line per entry', () => {
    const entries = [
      { kind: 'symlink', path: 'z link', target: 'a%b' },
      { kind: 'file', path: 'b.py', mode: 0o644, sha256: 'ab'.repeat(32) },
      { kind: 'directory', path: 'a' },
      { kind: 'file', path: 'a/run', mode: 0o700, sha256: 'cd'.repeat(32) },
    ] as const;

    const listing = renderTreeListing(entries);

    expect(listing).toBe(
      [
        'directory a 755 -',
        `file a/run 755 ${'cd'.repeat(32)}`,
        `file b.py 644 ${'ab'.repeat(32)}`,
        'symlink z%20link 777 a%25b',
      ].join('\n'),
    );
  });
});
