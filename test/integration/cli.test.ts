import type Docker from 'dockerode';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../src/core/digest.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { hbuild, jsonLines, untilStdout } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { builderRootfs, engine, leftoverContainers } from './harness.js';

describe('the hbuild command', () => {
  let docker: Docker;
  let rootfs: string;

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
  });

  it('exits 2 with every lockfile problem and its line', async () => {
    const dir = await tempDir('cli-lock');
    await writeFile(join(dir, 'lock.yaml'), 'version: 1\nbuilder:\n  image: default\n  rootfs: sha256:nothex\npackages:\n  - name: a\n    version: "1.0"\n    colour: blue\n');

    const run = await hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store')]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/lock\.yaml:4: builder\.rootfs/);
    expect(run.stderr).toMatch(/lock\.yaml:8: .*colour/);
    expect(run.stderr).toMatch(/lock\.yaml:\d+: packages\[0\]\.sdist/);
  });

  it('refuses an sdist path outside the lock\'s folder before opening it, and never shows that file\'s digest', async () => {
    const dir = await tempDir('cli-path');
    const lock = fixtureLock(rootfs, [{ name: 'fx-path', version: '1.0', file: 'fx_path-1.0.tar.gz', path: '', sha256: 'c'.repeat(64), size: 1 }]);
    await writeFile(join(dir, 'lock.yaml'), lock.replace('path: fx_path-1.0.tar.gz', 'path: ../../../../../etc/passwd'));
    const passwd = await sha256File('/etc/passwd');

    const run = await hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store')]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/lock\.yaml:\d+: packages\[0\]\.sdist\.path: "\.\.\/\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd" is outside the lock's folder/);
    expect(run.stderr).not.toContain(passwd);
  });

  // Mounting a small tmpfs needs root, which CI and the set-up scripts have.
  it.runIf(process.getuid?.() === 0 || process.env.CI === 'true')('on a full disk says so with its own exit code and no stack trace, leaving the store and the previous wheelhouse valid', async () => {
    const dir = await tempDir('cli-enospc');
    const disk = join(dir, 'disk');
    await mkdir(disk);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', disk]);
    try {
      const small = await writeFixtureSdist(disk, { name: 'fx-small', version: '1.0' });
      const hook = 'import os\npath = os.path.join(os.environ["TMPDIR"], "big.bin")\nopen(path, "wb").write(os.urandom(8 * 2**20))\nreport_file("big", path)\n';
      const big = await writeFixtureSdist(disk, { name: 'fx-big', version: '1.0', hook });
      const args = ['--store', join(disk, 'store'), '--out', join(disk, 'wh'), '--record'];
      await writeFile(join(disk, 'lock.yaml'), fixtureLock(rootfs, [small]));
      const first = await hbuild(['build', join(disk, 'lock.yaml'), ...args]);
      const before = await readFile(join(disk, 'wh', 'SHA256SUMS'), 'utf8');
      await writeFile(join(disk, 'lock.yaml'), fixtureLock(rootfs, [small, big]));

      const full = await hbuild(['build', join(disk, 'lock.yaml'), ...args]);
      const store = await hbuild(['store', 'verify', '--store', join(disk, 'store')]);

      expect(first.exitCode).toBe(0);
      expect(full.exitCode).toBe(7);
      expect(full.stderr).toMatch(/the disk is full: no space left for \//);
      expect(full.stderr).not.toMatch(/^\s+at /m);
      expect(await readFile(join(disk, 'wh', 'SHA256SUMS'), 'utf8')).toBe(before);
      expect(store.exitCode).toBe(0);
    } finally {
      await execa('umount', [disk]);
    }
  });

  it('exits 6 when no Docker engine answers', async () => {
    const dir = await tempDir('cli-docker');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-nodocker', version: '1.0' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));

    const run = await hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--docker-host', `unix://${dir}/no.sock`]);

    expect(run.exitCode).toBe(6);
    expect(run.stderr).toContain('no Docker engine answers');
    expect(run.stderr).toContain('hint:');
  });

  it('exits 3 on a wheel hash mismatch and streams --json events', async () => {
    const dir = await tempDir('cli-mismatch');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-cli-pin', version: '1.0' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [{ ...sdist, wheelFile: 'fx_cli_pin-1.0-py3-none-any.whl', wheelSha256: '0'.repeat(64) }]));

    const run = await hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--out', join(dir, 'wh'), '--json']);
    const events = jsonLines(run.stdout);

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain(`expected fx_cli_pin-1.0-py3-none-any.whl sha256 ${'0'.repeat(64)}`);
    expect(events[0]).toMatchObject({ type: 'run', status: 'start', packages: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'run', status: 'failed', failed: 1 });
  });

  it('off a terminal prints a line per state change and the result line; --quiet only the result line and errors', async () => {
    const dir = await tempDir('cli-lines');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-cli-lines', version: '1.0' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const args = ['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--out', join(dir, 'wh'), '--record'];

    const plain = await hbuild(args);
    const quiet = await hbuild([...args, '--quiet']);

    expect(plain.exitCode).toBe(0);
    expect(plain.stderr).toMatch(/^hbuild build: 1 packages, \d+ jobs\nfx-cli-lines 1\.0: queued\nfx-cli-lines 1\.0: fetching\n/);
    expect(plain.stderr).toMatch(/\nfx-cli-lines 1\.0: building\n/);
    expect(plain.stderr).toMatch(/\nfx-cli-lines 1\.0: built \(\d+(\.\d)?s\): [0-9a-f]{12}\n/);
    expect(plain.stderr).toMatch(/\nhbuild: done: 1 built, 0 cached in \d/);
    expect(quiet.exitCode).toBe(0);
    expect(quiet.stderr).toMatch(/^hbuild: done: 0 built, 1 cached in \d+(\.\d)?s$/);
  });

  it('on Ctrl-C stops the build, removes its container and exits 130', async () => {
    const dir = await tempDir('cli-sigint');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-sigint', version: '1.0', hook: 'import time\ntime.sleep(10**6)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const child = hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--record', '--json']);
    await untilStdout(child, '"status":"running"');
    await waitFor(async () => (await leftoverContainers(docker, 'fx-sigint==1.0')).length > 0);

    child.kill('SIGINT');
    const run = await child;
    const events = jsonLines(run.stdout);

    expect(run.exitCode).toBe(130);
    expect(events).toContainEqual(expect.objectContaining({ type: 'package', name: 'fx-sigint', status: 'cancelled' }));
    expect(events).not.toContainEqual(expect.objectContaining({ status: 'failed' }));
    expect(events.at(-1)).toMatchObject({ type: 'run', status: 'cancelled', failed: 0, cancelled: 1 });
    expect(run.stderr).toMatch(/^– cancelled: fx-sigint$/m);
    expect(run.stderr).not.toContain('✗');
    expect(await leftoverContainers(docker, 'fx-sigint==1.0')).toEqual([]);
  });
});
