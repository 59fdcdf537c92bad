import type Docker from 'dockerode';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { makeSdistEntries, writeTarGz } from '../fixtures/tar.js';
import { readZipEntry } from '../fixtures/zip-read.js';
import { tempDir } from '../helpers/tmp.js';
import { buildInDir, builderRootfs, engine } from './harness.js';

/** A stand-in setuptools whose legacy backend hands the build to the sdist's own fixture backend. */
const FAKE_SETUPTOOLS = {
  'setuptools/__init__.py': '',
  'setuptools/build_meta.py': [
    'import os, sys',
    'class _Legacy:',
    '    def build_wheel(self, wheel_directory, config_settings=None, metadata_directory=None):',
    '        sys.path.insert(0, os.getcwd())',
    '        import backend',
    '        return backend.build_wheel(wheel_directory, config_settings)',
    '__legacy__ = _Legacy()',
    '',
  ].join('\n'),
};

describe('the in-container frontend against the real engine', () => {
  let docker: Docker;
  let rootfs: string;

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
  });

  it('fails a build whose build requirement the environment lacks, naming the requirement and why', async () => {
    const dir = await tempDir('fe-missing');
    const dep = await writeFixtureSdist(dir, { name: 'fx-have', version: '1.0' });
    const absent = await writeFixtureSdist(dir, { name: 'fx-wants-absent', version: '1.0', requires: ['fx-absent>=1'] });
    const old = await writeFixtureSdist(dir, { name: 'fx-wants-newer', version: '1.0', requires: ['fx-have>=2'] });

    const run = await buildInDir(dir, fixtureLock(rootfs, [dep, absent, { ...old, buildRequires: ['fx-have'] }]), { record: true });

    const messages = Object.fromEntries(run.failures.map((f) => [f.name, f.error.message.replace(/ \(build log: [^)]*\)$/, '')]));
    expect(messages['fx-wants-absent']).toBe('fx-wants-absent: the build environment lacks fx-absent>=1 (not installed), required by build-system.requires');
    expect(messages['fx-wants-newer']).toBe('fx-wants-newer: the build environment lacks fx-have>=2 (the environment has 1.0), required by build-system.requires');
    expect(run.failures.every((f) => f.error.code === 'ERR_BUILD_FAILED')).toBe(true);
    expect(run.records.map((r) => r.name)).toEqual(['fx-have']);
  });

  it('hands build_wheel the recipe\'s config settings, and the build sees its environment read-only and none of the image\'s site-packages', async () => {
    const dir = await tempDir('fe-settings');
    const dep = await writeFixtureSdist(dir, { name: 'fx-env-dep', version: '1.0' });
    const hook = [
      'import json, os, sys, subprocess',
      'report("settings", json.dumps(sys._getframe(2).f_locals["config_settings"], sort_keys=True))',
      'import fx_env_dep',
      'report("dep", fx_env_dep.__file__)',
      'report("writable", str(os.access(os.path.dirname(fx_env_dep.__file__), os.W_OK)))',
      'child = subprocess.run([sys.executable, "-c", "import sys, fx_env_dep; print([p for p in sys.path if \'packages\' in p])"], capture_output=True, text=True, check=True)',
      'report("child", child.stdout.strip())',
    ].join('\n');
    const app = await writeFixtureSdist(dir, { name: 'fx-settings', version: '1.0', requires: ['fx-env-dep'], hook });
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes', 'fx-settings.yaml'), 'config-settings:\n  zeta: "1"\n  alpha: two\n');

    const run = await buildInDir(dir, fixtureLock(rootfs, [dep, { ...app, buildRequires: ['fx-env-dep'] }]), { record: true, recipesDir: join(dir, 'recipes') });

    expect(run.failures.map((f) => `${f.name}: ${f.error.message} ${String(f.error.details.logTail ?? '')}`)).toEqual([]);
    const wheel = join(dir, 'wheelhouse', run.records.find((r) => r.name === 'fx-settings')!.wheel.file);
    expect(JSON.parse(await readZipEntry(wheel, 'fx_settings/_probe/settings.txt'))).toEqual({ alpha: 'two', zeta: '1' });
    expect(await readZipEntry(wheel, 'fx_settings/_probe/dep.txt')).toBe('/build/env/site-packages/fx_env_dep/__init__.py');
    expect(await readZipEntry(wheel, 'fx_settings/_probe/writable.txt')).toBe('False');
    expect(await readZipEntry(wheel, 'fx_settings/_probe/child.txt')).toBe("['/build/env/site-packages']");
    const manifest = JSON.parse(await readFile(join(dir, 'wheelhouse', 'manifest.json'), 'utf8'));
    const entry = manifest.packages.find((p: { name: string }) => p.name === 'fx-settings');
    expect(entry.buildEnv.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('builds an sdist without pyproject.toml through setuptools.build_meta:__legacy__ from the environment', async () => {
    const dir = await tempDir('fe-legacy');
    const setuptools = await writeFixtureSdist(dir, { name: 'setuptools', version: '99.0', files: FAKE_SETUPTOOLS });
    const fixture = await readFile(new URL('../fixtures/backend.py', import.meta.url), 'utf8');
    const legacy = await writeTarGz(
      join(dir, 'fx_legacy-1.0.tar.gz'),
      makeSdistEntries('fx_legacy', '1.0', {
        'setup.py': 'raise SystemExit("not run: the fake legacy backend builds without it")\n',
        'backend.py': fixture,
        'hook.py': 'import setuptools.build_meta\nreport("backend", setuptools.build_meta.__file__)\n',
        'src/fx_legacy/__init__.py': 'VERSION = "1.0"\n',
      }),
    );
    const legacySdist = { name: 'fx-legacy', version: '1.0', file: 'fx_legacy-1.0.tar.gz', path: legacy.path, sha256: legacy.sha256, size: legacy.size };

    const run = await buildInDir(dir, fixtureLock(rootfs, [setuptools, { ...legacySdist, buildRequires: ['setuptools'] }]), { record: true });

    expect(run.failures.map((f) => `${f.name}: ${f.error.message} ${String(f.error.details.logTail ?? '')}`)).toEqual([]);
    const wheel = join(dir, 'wheelhouse', run.records.find((r) => r.name === 'fx-legacy')!.wheel.file);
    expect(await readZipEntry(wheel, 'fx_legacy/_probe/backend.txt')).toBe('/build/env/site-packages/setuptools/build_meta.py');
  });
});
