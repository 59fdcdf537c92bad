import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAttestations } from '../../src/attest/verify.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { installedDistributions, installWheelhouse } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';
import { buildInDir, builderRootfs, engine } from './harness.js';

describe('requirements.txt installs the runtime packages only', () => {
  let rootfs: string;

  beforeAll(async () => {
    rootfs = await builderRootfs(await engine());
  });

  it('installs the input and its runtime dependencies, never its build requirement; build-requirements.txt installs the rest', async () => {
    const dir = await tempDir('runtime-reqs');
    const backend = await writeFixtureSdist(dir, { name: 'fx-backend', version: '1.0' });
    const lib = await writeFixtureSdist(dir, { name: 'fx-lib', version: '1.0', requires: ['fx-backend'] });
    const fast = await writeFixtureSdist(dir, { name: 'fx-fast', version: '0.1' });
    const unused = await writeFixtureSdist(dir, { name: 'fx-unused-extra', version: '0.1' });
    const app = await writeFixtureSdist(dir, {
      name: 'fx-app',
      version: '2.0',
      requires: ['fx-backend'],
      // The build really needs its build requirement: it imports it.
      hook: 'import fx_backend\nreport("backend", fx_backend.VERSION)\n',
      dependencies: ['fx-lib>=1.0', 'fx-fast; extra == "fast"', 'fx-unused-extra; extra == "other"', 'fx-windows-only; sys_platform == "win32"'],
    });
    const lock = fixtureLock(
      rootfs,
      [{ ...app, buildRequires: ['fx-backend'] }, { ...lib, buildRequires: ['fx-backend'] }, backend, fast, unused],
      ['fx-app[fast]'],
    );

    const run = await buildInDir(dir, lock, { record: true });
    const wheelhouse = join(dir, 'wheelhouse');
    const venv = join(dir, 'venv');
    const baseline = await installRoot(venv);
    const runtime = await installWheelhouse(wheelhouse, venv);
    const afterRuntime = await installedDistributions(venv);
    const build = await installWheelhouse(wheelhouse, venv, 'build-requirements.txt');
    const afterBuild = await installedDistributions(venv);
    const requirements = await readFile(join(wheelhouse, 'requirements.txt'), 'utf8');
    const buildRequirements = await readFile(join(wheelhouse, 'build-requirements.txt'), 'utf8');
    const manifest = JSON.parse(await readFile(join(wheelhouse, 'manifest.json'), 'utf8'));
    const attestations = await verifyAttestations(wheelhouse);

    expect(run.failures).toEqual([]);
    expect(run.published).toBe(true);
    expect(runtime.exitCode, runtime.stderr).toBe(0);
    expect(added(baseline, afterRuntime)).toEqual(['fx-app==2.0', 'fx-fast==0.1', 'fx-lib==1.0']);
    expect(build.exitCode, build.stderr).toBe(0);
    expect(added(afterRuntime, afterBuild)).toEqual(['fx-backend==1.0', 'fx-unused-extra==0.1']);
    expect(requirements).toMatch(/^fx-app==2\.0 --hash=sha256:[0-9a-f]{64}$/m);
    expect(requirements).not.toContain('fx-backend');
    expect(buildRequirements).toMatch(/^-r requirements\.txt\nfx-backend==1\.0 --hash=sha256:[0-9a-f]{64}\nfx-unused-extra==0\.1 --hash=sha256:[0-9a-f]{64}\n$/m);
    expect(manifest.packages.map((p: { name: string; runtime: boolean }) => `${p.name} ${p.runtime}`).sort()).toEqual([
      'fx-app true',
      'fx-backend false',
      'fx-fast true',
      'fx-lib true',
      'fx-unused-extra false',
    ]);
    expect(attestations.problems).toEqual([]);
  });
});

/** A fresh venv's own distributions (pip, and setuptools on Python 3.11), before any install. */
async function installRoot(venv: string): Promise<string[]> {
  const { execa } = await import('execa');
  await execa('python3', ['-m', 'venv', venv]);
  return installedDistributions(venv);
}

function added(before: string[], after: string[]): string[] {
  return after.filter((d) => !before.includes(d));
}
