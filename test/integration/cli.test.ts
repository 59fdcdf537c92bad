import type Docker from 'dockerode';
import { writeFile } from 'node:fs/promises';
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

  it('on Ctrl-C stops the build, removes its container and exits 130', async () => {
    const dir = await tempDir('cli-sigint');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-sigint', version: '1.0', hook: 'import time\ntime.sleep(10**6)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const child = hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--record', '--json']);
    await untilStdout(child, '"status":"running"');
    await waitFor(async () => (await leftoverContainers(docker, 'fx-sigint==1.0')).length > 0);

    child.kill('SIGINT');
    const run = await child;

    expect(run.exitCode).toBe(130);
    expect(await leftoverContainers(docker, 'fx-sigint==1.0')).toEqual([]);
  });
});
