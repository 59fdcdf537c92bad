import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { debianMirror, parseDeb822Sources, parseOneLineSources, pickDebianMirror } from '../../src/image/mirror.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('mirror');

beforeEach(async () => {
  await mkdir(join(tmp.path, 'sources.list.d'));
});

async function mirrorFor(files: Record<string, string>, suite?: string): Promise<string> {
  for (const [name, text] of Object.entries(files)) await writeFile(join(tmp.path, name), text);
  return debianMirror({ sourcesList: join(tmp.path, 'sources.list'), sourcesDir: join(tmp.path, 'sources.list.d'), suite });
}

describe('parseOneLineSources', () => {
  it('reads deb lines with options and skips deb-src and comments', () => {
    const text = [
      '# deb http://old.example.invalid/debian bookworm main',
      'deb-src http://src.example.invalid/debian bookworm main',
      'deb [arch=amd64 signed-by=/k.gpg] http://a.example.invalid/debian bookworm main contrib # trailing',
    ].join('\n');

    const sources = parseOneLineSources(text);

    expect(sources).toEqual([{ uri: 'http://a.example.invalid/debian', suite: 'bookworm', components: ['main', 'contrib'] }]);
  });
});

describe('parseDeb822Sources', () => {
  it('expands URIs and suites and skips disabled and deb-src paragraphs', () => {
    const text = [
      'Types: deb',
      '# a comment',
      'URIs: http://a.example.invalid/debian',
      '  http://b.example.invalid/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
      '',
      'Types: deb',
      'Enabled: no',
      'URIs: http://off.example.invalid/debian',
      'Suites: bookworm',
      'Components: main',
      '',
      'Types: deb-src',
      'URIs: http://src.example.invalid/debian',
      'Suites: bookworm',
      'Components: main',
    ].join('\n');

    const sources = parseDeb822Sources(text);

    expect(sources.map((s) => `${s.uri} ${s.suite}`)).toEqual([
      'http://a.example.invalid/debian bookworm',
      'http://a.example.invalid/debian bookworm-updates',
      'http://b.example.invalid/debian bookworm',
      'http://b.example.invalid/debian bookworm-updates',
    ]);
  });
});

describe('pickDebianMirror', () => {
  it('skips security suites, non-main components and unrelated repositories', () => {
    const sources = [
      { uri: 'http://sec.example.invalid/debian-security', suite: 'bookworm-security', components: ['main'] },
      { uri: 'http://sec.example.invalid/debian', suite: 'bookworm-security', components: ['main'] },
      { uri: 'https://tools.example.invalid/linux/debian', suite: 'bookworm', components: ['stable'] },
      { uri: 'https://node.example.invalid/node_20.x', suite: 'nodistro', components: ['main'] },
      { uri: 'cdrom:[Debian]/', suite: 'bookworm', components: ['main'] },
      { uri: 'http://mirror.example.invalid/debian/', suite: 'bookworm-updates', components: ['main'] },
    ];

    const mirror = pickDebianMirror(sources, 'bookworm');

    expect(mirror).toBe('http://mirror.example.invalid/debian/');
  });

  it('accepts a mirror whose path is not /debian when the suite matches', () => {
    const sources = [{ uri: 'http://cache.example.invalid:3142/deb', suite: 'trixie', components: ['main'] }];

    const mirror = pickDebianMirror(sources, 'trixie');

    expect(mirror).toBe('http://cache.example.invalid:3142/deb');
  });
});

describe('debianMirror', () => {
  it('prefers sources.list over sources.list.d, like apt', async () => {
    const files = {
      'sources.list': 'deb http://one.example.invalid/debian bookworm main\n',
      'sources.list.d/a.sources': 'Types: deb\nURIs: http://two.example.invalid/debian\nSuites: bookworm\nComponents: main\n',
    };

    const mirror = await mirrorFor(files);

    expect(mirror).toBe('http://one.example.invalid/debian');
  });

  it('reads deb822 files when sources.list is missing, in file-name order, ignoring other extensions', async () => {
    const files = {
      'sources.list.d/b.sources': 'Types: deb\nURIs: http://b.example.invalid/debian\nSuites: bookworm\nComponents: main\n',
      'sources.list.d/a.sources':
        'Types: deb\nURIs: http://sec.example.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n',
      'sources.list.d/0.list.disabled': 'deb http://off.example.invalid/debian bookworm main\n',
    };

    const mirror = await mirrorFor(files);

    expect(mirror).toBe('http://b.example.invalid/debian');
  });

  it('fails with ERR_IMAGE_BUILD and a --mirror hint when nothing fits', async () => {
    const files = { 'sources.list': 'deb https://node.example.invalid/node_20.x nodistro main\n' };

    const result = mirrorFor(files);

    await expect(result).rejects.toMatchObject({ code: 'ERR_IMAGE_BUILD', hint: expect.stringContaining('--mirror') });
  });
});
