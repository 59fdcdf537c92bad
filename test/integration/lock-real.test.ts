import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveIndexUrl } from '../../src/fetch/index-url.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { readLock } from '../../src/lockfile/read.js';
import { buildLock } from '../../src/pipeline/build-lock.js';
import { installWheelhouse } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';
import { builderRootfs, engine, offlineBuildOptions } from './harness.js';

/** A web client with its dependencies and a C extension, all released well before the quarantine. */
const REQUIREMENTS = `# a web client and what it needs, plus a C extension
requests==2.32.3 \\
    --hash=sha256:55365417734eb18255590a9ff9eb97e9e1da868d4ccd6402399eaf68af20a760
certifi==2024.12.14
charset-normalizer==3.4.0
idna==3.10
urllib3==2.3.0
markupsafe==3.0.2
colorama==0.4.6 ; sys_platform == "win32"
`;

describe('hbuild lock against the real configured index', () => {
  it('locks a real application from the index, then builds it with hbuild offline from the store alone', async () => {
    const docker = await engine();
    const rootfs = await builderRootfs(docker);
    const dir = await tempDir('lock-real');
    await writeFile(join(dir, 'requirements.txt'), REQUIREMENTS);
    const indexUrl = await resolveIndexUrl(undefined);
    const progress: string[] = [];
    const common = {
      input: join(dir, 'requirements.txt'),
      lockPath: join(dir, 'lock.yaml'),
      indexUrls: [indexUrl],
      storeRoot: join(dir, 'store'),
      builder: { image: 'default', rootfs },
      log: pino({ level: 'silent' }),
      emit: () => undefined,
      progress: (m: string) => {
        progress.push(m);
        process.stderr.write(`lock-real: ${m}\n`);
      },
      signal: new AbortController().signal,
    };

    const locked = await lockProject(common);
    const text = await readFile(join(dir, 'lock.yaml'), 'utf8');
    const check = await lockProject({ ...common, check: true });
    const built = await buildLock(offlineBuildOptions(dir, { record: true }));
    const venv = join(dir, 'venv');
    const install = await installWheelhouse(join(dir, 'wheelhouse'), venv);
    const probe = await execa(join(venv, 'bin', 'python'), ['-c', 'import requests, markupsafe._speedups; print(requests.__version__)'], { reject: false });
    const names = locked.packages.map((p) => p.name);
    // build-requires name name==version; these checks are about names.
    const byName = new Map(locked.packages.map((p) => [p.name, { ...p, buildRequires: p.buildRequires.map((r) => r.split('==')[0]!) }]));
    const reread = await readLock(join(dir, 'lock.yaml'));

    expect(text).not.toContain(indexUrl.replace(/\/simple\/$/, ''));
    expect(names).toEqual(expect.arrayContaining(['requests', 'certifi', 'charset-normalizer', 'idna', 'urllib3', 'markupsafe', 'setuptools', 'wheel', 'flit-core', 'hatchling', 'hatch-vcs']));
    expect(names).not.toContain('colorama');
    expect(byName.get('requests')?.buildRequires).toEqual(expect.arrayContaining(['setuptools', 'wheel']));
    expect(byName.get('urllib3')?.buildRequires).toEqual(expect.arrayContaining(['hatchling', 'hatch-vcs', 'packaging', 'pathspec', 'pluggy', 'trove-classifiers']));
    expect(byName.get('markupsafe')?.buildRequires).toContain('setuptools');
    expect(byName.get('idna')?.buildRequires).toEqual(['flit-core']);
    expect(check.changed).toBe(false);
    expect(built.failures.map((f) => `${f.name}: ${f.error.message}`)).toEqual([]);
    expect(built.published).toBe(true);
    expect(reread.lock.packages.every((p) => p.wheel !== undefined)).toBe(true);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(probe.stdout.trim()).toBe('2.32.3');
  }, 3_600_000);
});
