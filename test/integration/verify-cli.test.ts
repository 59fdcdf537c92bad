import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runVerifyCommand } from '../../src/cli/verify-command.js';
import { isHbuildError } from '../../src/core/errors.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { captureOutput } from '../helpers/output.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { builderRootfs, engine } from './harness.js';

const UMASK_HOOK = `
import os, tempfile
path = os.path.join(tempfile.mkdtemp(), "made-by-build.txt")
open(path, "w").write("same bytes\\n")
report_file("umask", path)
`;

/** Run `hbuild verify` in-process; stdout and stderr are captured, not printed. */
async function hbuildVerify(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = captureOutput();
  try {
    const code = await runVerifyCommand(args, new AbortController().signal);
    return { code, stdout: output.stdout, stderr: output.stderr };
  } finally {
    output.restore();
  }
}

describe('hbuild verify, the command', () => {
  let rootfs: string;

  beforeAll(async () => {
    rootfs = await builderRootfs(await engine());
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('exits 0 when everything reproduces, then 5 with the regression shown once a variation breaks it', async () => {
    const dir = await tempDir('verify-cli-history');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-vcli', version: '1.0', hook: UMASK_HOOK });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const common = [join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--jobs', '2'];

    const first = await hbuildVerify([...common, '--variations', 'timezone,locale']);
    const second = await hbuildVerify([...common, '--variations', 'umask', '--json']);

    expect(first.code).toBe(0);
    expect(first.stdout).toContain('1 package was verified under 2 variations (timezone, locale):\n  - 1 (100.0%) were identical\n');
    expect(first.stderr).toContain('fx-vcli 1.0: building: control\n');
    expect(first.stderr).toMatch(/\nfx-vcli 1\.0: reproducible \(\d+(\.\d)?s\): identical under every variation/);
    expect(first.stderr).toMatch(/\nhbuild: done: 1 reproducible in \d/);
    // A difference under verification is "not reproducible", never "failed".
    expect(second.stderr).toMatch(/\nfx-vcli 1\.0: not reproducible \(\d+(\.\d)?s\): /);
    expect(second.stderr).toMatch(/\nhbuild: not reproducible: 0 reproducible, 1 not reproducible in \d/);
    expect(second.stderr).not.toMatch(/: failed/);
    expect(second.code).toBe(5);
    const result = JSON.parse(second.stdout);
    const today = new Date().toISOString().slice(0, 10);
    expect(result.packages[0]).toMatchObject({ status: 'differed', culprits: ['umask'], history: { state: 'regressed', message: `reproducible on ${today}, differs since ${today}` } });
    expect(result.outcome).toBe('not-reproducible');
  });

  it('exits 3 when builds agree but not with the pin, showing failures and what they leave inconclusive', async () => {
    const dir = await tempDir('verify-cli-pin');
    const pinned = await writeFixtureSdist(dir, { name: 'fx-vpin', version: '1.0' });
    const broken = await writeFixtureSdist(dir, { name: 'fx-vbroken', version: '1.0', hook: 'raise SystemExit("the backend gives up")\n' });
    const needsBroken = await writeFixtureSdist(dir, { name: 'fx-vneeds', version: '1.0', requires: ['fx-vbroken'] });
    const lock = fixtureLock(rootfs, [{ ...pinned, wheelFile: 'fx_vpin-1.0-py3-none-any.whl', wheelSha256: '0'.repeat(64) }, broken, { ...needsBroken, buildRequires: ['fx-vbroken'] }]);
    await writeFile(join(dir, 'lock.yaml'), lock);

    const run = await hbuildVerify([join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--variations', 'umask']);

    expect(run.code).toBe(3);
    expect(run.stdout).toContain(`fx-vpin 1.0 differs from its pin:\n`);
    expect(run.stdout).toContain(`  pinned             sha256 ${'0'.repeat(64)}\n`);
    expect(run.stdout).toMatch(/fx-vbroken 1\.0 failed: the standard build failed: build exited with status 1/);
    expect(run.stdout).toContain('fx-vneeds 1.0 is inconclusive: its build requirement fx-vbroken has no usable wheel: the standard build of fx-vbroken failed');
    expect(run.stdout).toContain('  - 1 (33.3%) differed (0 not reproducible, 1 only from the pin)\n  - 1 (33.3%) failed to build\n  - 1 (33.3%) were inconclusive\n');
  });

  it('exits 1 when a build fails', async () => {
    const dir = await tempDir('verify-cli-fail');
    const broken = await writeFixtureSdist(dir, { name: 'fx-vfail', version: '1.0', hook: 'raise SystemExit("no")\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [broken]));

    const run = await hbuildVerify([join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--variations', 'umask']);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('  - 1 (100.0%) failed to build\n');
  });

  it('takes --recipes like build: the recipe from that folder reaches every build it runs', async () => {
    const dir = await tempDir('verify-cli-recipes');
    const hook = 'import os\nif os.environ.get("FX_FEATURE") != "on":\n    raise SystemExit("FX_FEATURE is not on: no recipe")\n';
    const sdist = await writeFixtureSdist(dir, { name: 'fx-vrecipe', version: '1.0', hook });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    await mkdir(join(dir, 'elsewhere'));
    await writeFile(join(dir, 'elsewhere', 'fx-vrecipe.yaml'), 'env:\n  FX_FEATURE: "on"\n');
    const common = [join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--variations', 'umask', '--json'];

    const without = await hbuildVerify(common);
    const withRecipes = await hbuildVerify([...common, '--recipes', join(dir, 'elsewhere')]);

    expect(without.code).toBe(1);
    expect(JSON.parse(without.stdout).packages[0]).toMatchObject({ name: 'fx-vrecipe', status: 'failed' });
    expect(without.stdout).toContain('FX_FEATURE is not on');
    expect(withRecipes.code).toBe(0);
    expect(JSON.parse(withRecipes.stdout).packages[0]).toMatchObject({ name: 'fx-vrecipe', status: 'identical', reproducible: true });
  });

  it('on Ctrl-C says cancelled for the package and the run, not failed or inconclusive', async () => {
    const dir = await tempDir('verify-cli-cancel');
    const slow = await writeFixtureSdist(dir, { name: 'fx-vslow', version: '1.0', hook: 'import time\ntime.sleep(10**6)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [slow]));
    const controller = new AbortController();
    const output = captureOutput();

    let thrown: unknown;
    try {
      const run = runVerifyCommand([join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--variations', 'umask'], controller.signal);
      await waitFor(async () => output.stderr.includes('fx-vslow 1.0: building'));
      controller.abort();
      await run.catch((e: unknown) => (thrown = e));
    } finally {
      output.restore();
    }

    expect(isHbuildError(thrown, 'ERR_CANCELLED')).toBe(true);
    expect(output.stderr).toMatch(/\nfx-vslow 1\.0: cancelled \(\d+(\.\d)?s\)\n/);
    expect(output.stderr).toMatch(/\nhbuild: cancelled: 0 reproducible, 1 cancelled in \d/);
    expect(output.stderr).not.toMatch(/failed|inconclusive/);
  });

  it('refuses an unknown variation or a missing lock as a usage error', async () => {
    const errors = [await hbuildVerify(['lock.yaml', '--variations', 'moon-phase']).catch((e: unknown) => e), await hbuildVerify([]).catch((e: unknown) => e)];

    expect(errors.map((e) => (isHbuildError(e) ? e.code : String(e)))).toEqual(["ERR_USAGE", "ERR_USAGE"]);
    expect((errors[0] as Error).message).toContain('moon-phase');
  });
});
