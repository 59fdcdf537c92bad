import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { assertMirror, customizeHooks, mmdebstrapArgs, mmdebstrapEnv } from '../../src/image/mmdebstrap.js';
import type { ImageRecipe } from '../../src/image/schema.js';
import { useTempDir } from '../helpers/tmp.js';

const recipe: ImageRecipe = {
  suite: 'bookworm',
  variant: 'apt',
  python: '3.11.2',
  'source-date-epoch': 1700000000,
  packages: ['python3', 'build-essential'],
  user: { name: 'builder', uid: 1000, gid: 1000 },
};
const isRoot = process.getuid?.() === 0;
const tmp = useTempDir('chroot');

beforeEach(async () => {
  await mkdir(join(tmp.path, 'etc'));
  await writeFile(join(tmp.path, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\n');
  await writeFile(join(tmp.path, 'etc/group'), 'root:x:0:\n');
  await writeFile(join(tmp.path, 'etc/shadow'), 'root:*:19675:0:99999:7:::\n');
  await writeFile(join(tmp.path, 'etc/gshadow'), 'root:*::\n');
  await writeFile(join(tmp.path, 'etc/resolv.conf'), 'nameserver 192.0.2.1\n');
  await writeFile(join(tmp.path, 'etc/hostname'), 'somehost\n');
  await writeFile(join(tmp.path, 'etc/pip.conf'), '[global]\nindex-url = http://index.example.invalid/simple\n');
});

async function runHooks(): Promise<void> {
  for (const hook of customizeHooks(recipe)) await execa('sh', ['-c', hook, 'exec', tmp.path]);
}

describe('mmdebstrapArgs', () => {
  it('builds a root-mode tar of the recipe with hooks before suite, output and mirror', () => {
    const args = mmdebstrapArgs(recipe, 'http://mirror.example.invalid/debian', '/out/x.tar');

    expect(args.slice(0, 5)).toEqual([
      '--mode=root',
      '--variant=apt',
      '--format=tar',
      '--include=python3,build-essential',
      '--aptopt=Acquire::Check-Valid-Until "false"',
    ]);
    expect(args.filter((a) => a.startsWith('--customize-hook='))).toHaveLength(customizeHooks(recipe).length);
    expect(args.slice(-3)).toEqual(['bookworm', '/out/x.tar', 'http://mirror.example.invalid/debian']);
  });
});

describe('mmdebstrapEnv', () => {
  it('passes only a fixed PATH, locale, TMPDIR and the recipe epoch', () => {
    const env = mmdebstrapEnv(recipe, '/var/tmp/x');

    expect(env).toEqual({
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      LC_ALL: 'C.UTF-8',
      TMPDIR: '/var/tmp/x',
      SOURCE_DATE_EPOCH: '1700000000',
    });
  });
});

describe('assertMirror', () => {
  it('rejects anything but an http(s) or file URI', () => {
    const bad = ['deb http://x.example.invalid/debian bookworm main', 'ftp://x.example.invalid/debian', 'not a uri'];

    const codes = bad.map((m) => {
      try {
        assertMirror(m);
        return 'accepted';
      } catch (err) {
        return (err as { code: string }).code;
      }
    });

    expect(codes).toEqual(['ERR_USAGE', 'ERR_USAGE', 'ERR_USAGE']);
  });
});

describe.runIf(isRoot)('customizeHooks on a fake chroot', () => {
  it('adds the build user with fixed lines, /build and home, and neutralises host files', async () => {
    await runHooks();

    expect(await readFile(join(tmp.path, 'etc/passwd'), 'utf8')).toMatch(/\nbuilder:x:1000:1000::\/home\/builder:\/bin\/bash\n$/);
    expect(await readFile(join(tmp.path, 'etc/group'), 'utf8')).toMatch(/\nbuilder:x:1000:\n$/);
    expect(await readFile(join(tmp.path, 'etc/shadow'), 'utf8')).toMatch(/\nbuilder:!:19675:0:99999:7:::\n$/);
    expect(await readFile(join(tmp.path, 'etc/gshadow'), 'utf8')).toMatch(/\nbuilder:!::\n$/);
    for (const dir of ['build', 'home/builder']) {
      const info = await stat(join(tmp.path, dir));
      expect({ uid: info.uid, gid: info.gid, mode: info.mode & 0o7777 }).toEqual({ uid: 1000, gid: 1000, mode: 0o755 });
    }
    expect(await readFile(join(tmp.path, 'etc/resolv.conf'), 'utf8')).toBe('');
    expect(await readFile(join(tmp.path, 'etc/hostname'), 'utf8')).toBe('hbuild\n');
    await expect(stat(join(tmp.path, 'etc/pip.conf'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails rather than add a second account when the uid is taken', async () => {
    await writeFile(join(tmp.path, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nother:x:1000:1000::/h:/bin/sh\n');

    const result = runHooks();

    await expect(result).rejects.toMatchObject({ stderr: 'uid 1000 or gid 1000 taken' });
    expect(await readFile(join(tmp.path, 'etc/passwd'), 'utf8')).not.toContain('builder');
  });
});
