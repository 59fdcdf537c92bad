import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { buildEnvKey, ensureBuildEnv, verifiedBuildEnv } from '../../src/builder/build-env.js';
import { installWheels } from '../../src/builder/install-wheels.js';
import { openStore } from '../../src/store/store.js';
import { writeWheel } from '../fixtures/wheel.js';
import { refusal } from '../helpers/errors.js';
import { tempDir } from '../helpers/tmp.js';

interface Member {
  name: string;
  type: string;
  mode: number;
  text: string;
}

async function readTar(stream: Readable): Promise<Member[]> {
  const members: Member[] = [];
  const reader = extract();
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, body, next) => {
      const chunks: Buffer[] = [];
      body.on('data', (c: unknown) => chunks.push(c as Buffer));
      body.on('end', () => {
        members.push({ name: header.name, type: header.type ?? 'file', mode: header.mode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        next();
      });
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  stream.pipe(reader);
  await done;
  return members;
}

async function toolWheel(dir: string): Promise<{ file: string; path: string; sha256: string }> {
  const made = await writeWheel(dir, {
    name: 'tool',
    version: '1.0',
    files: {
      'tool/__init__.py': 'def main():\n    return 0\n',
      'tool-1.0.data/scripts/tool-legacy': '#!python\nprint("hi")\n',
      'tool-1.0.data/platlib/tool_ext.py': 'X = 1\n',
      'tool-1.0.data/headers/tool.h': '/* header */\n',
      'tool-1.0.dist-info/entry_points.txt': '[console_scripts]\ntool = tool:main\n\n[other]\nx = y:z\n',
    },
  });
  return { file: 'tool-1.0-py3-none-any.whl', path: made.path, sha256: made.sha256 };
}

describe('installWheels', () => {
  it('lays wheels out as an installer does: site-packages, .data schemes, entry-point scripts, a RECORD of installed paths, read-only modes', async () => {
    const dir = await tempDir('install');
    const tool = await toolWheel(dir);
    const other = await writeWheel(dir, { name: 'other', version: '2.0' });

    const members = await readTar(await installWheels([tool, { file: 'other-2.0-py3-none-any.whl', path: other.path }]));

    const byName = new Map(members.map((m) => [m.name, m]));
    expect(byName.get('env/site-packages/tool/__init__.py')?.mode).toBe(0o444);
    expect(byName.get('env/site-packages/tool_ext.py')?.text).toBe('X = 1\n');
    expect(byName.get('env/include/tool/tool.h')?.text).toBe('/* header */\n');
    expect(byName.get('env/bin/tool-legacy')).toMatchObject({ mode: 0o555, text: '#!/usr/bin/python3\nprint("hi")\n' });
    expect(byName.get('env/bin/tool')?.text).toContain('from tool import main as _f');
    expect(byName.has('env/bin/x')).toBe(false);
    expect(byName.get('env/site-packages/other/__init__.py')).toBeDefined();
    expect(byName.get('env/site-packages/tool-1.0.dist-info/INSTALLER')?.text).toBe('hbuild\n');
    const record = byName.get('env/site-packages/tool-1.0.dist-info/RECORD')?.text ?? '';
    expect(record).toContain('../bin/tool-legacy,,');
    expect(record).toContain('tool_ext.py,,');
    expect(record).not.toContain('.data/');
    const dirs = members.filter((m) => m.type === 'directory');
    expect(dirs.every((d) => d.mode === 0o555)).toBe(true);
    expect(members.findIndex((m) => m.type === 'directory')).toBeGreaterThan(members.findLastIndex((m) => m.type === 'file'));
  });

  it('gives the same bytes whatever order the wheels come in', async () => {
    const dir = await tempDir('install');
    const tool = await toolWheel(dir);
    const other = await writeWheel(dir, { name: 'other', version: '2.0' });
    const second = { file: 'other-2.0-py3-none-any.whl', path: other.path };

    const a = await readTar(await installWheels([tool, second]));
    const b = await readTar(await installWheels([second, tool]));

    expect(a).toEqual(b);
  });

  it('refuses two wheels that install the same file, naming both and the path', async () => {
    const dir = await tempDir('install');
    const a = await writeWheel(dir, { name: 'a', version: '1', files: { 'shared/x.py': '1\n' } });
    const b = await writeWheel(dir, { name: 'b', version: '1', files: { 'shared/x.py': '2\n' } });

    const err = await refusal(installWheels([{ file: 'a-1-py3-none-any.whl', path: a.path }, { file: 'b-1-py3-none-any.whl', path: b.path }]));

    expect(err.message).toBe('build environment: b-1-py3-none-any.whl and a-1-py3-none-any.whl both install env/site-packages/shared/x.py');
  });

  it('refuses an unknown .data scheme', async () => {
    const dir = await tempDir('install');
    const bad = await writeWheel(dir, { name: 'bad', version: '1', files: { 'bad-1.data/elsewhere/x': 'x' } });

    const err = await refusal(installWheels([{ file: 'bad-1-py3-none-any.whl', path: bad.path }]));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toContain('unknown .data scheme elsewhere');
  });
});

describe('ensureBuildEnv', () => {
  it('installs a set of wheels once into one store entry, finds it again by its key, and re-installs a corrupted one to the same digest', async () => {
    const dir = await tempDir('env');
    const store = await openStore(join(dir, 'store'));
    const tool = await toolWheel(dir);
    await store.putFile('wheels', tool.path);
    const wheels = [{ file: tool.file, sha256: tool.sha256 }];

    const first = await ensureBuildEnv(store, wheels);
    const again = await ensureBuildEnv(store, wheels);
    await rm(store.blobPath('envs', first.sha256), { force: true });
    await writeFile(store.blobPath('envs', first.sha256), 'tampered');
    const corrupt: string[] = [];
    const path = await verifiedBuildEnv(store, first, wheels, (err) => corrupt.push(err.code));

    expect(again).toEqual(first);
    expect(buildEnvKey(wheels)).toMatch(/^[0-9a-f]{64}$/);
    expect(corrupt).toEqual(['ERR_STORE_CORRUPT']);
    expect(path).toBe(store.blobPath('envs', first.sha256));
    expect(await verifiedBuildEnv(store, first, wheels, () => undefined)).toBe(path);
  });

  it('installs again an environment whose blob is gone (gc) while its key is still recorded', async () => {
    const dir = await tempDir('env');
    const store = await openStore(join(dir, 'store'));
    const tool = await toolWheel(dir);
    await store.putFile('wheels', tool.path);
    const wheels = [{ file: tool.file, sha256: tool.sha256 }];
    const env = await ensureBuildEnv(store, wheels);
    await rm(store.blobPath('envs', env.sha256));

    const found = await ensureBuildEnv(store, wheels);
    const path = await verifiedBuildEnv(store, found, wheels, () => undefined);

    expect(found).toEqual(env);
    expect(path).toBe(store.blobPath('envs', env.sha256));
    expect(await store.verifiedBlob('envs', env.sha256)).toBe(path);
  });
});
