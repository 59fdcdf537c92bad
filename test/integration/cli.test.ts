import type Docker from 'dockerode';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { builderRootfs, engine, leftoverContainers, waitFor, workdir } from './harness.js';

const BIN = resolve('bin/hbuild.js');

function hbuild(args: string[], env: Record<string, string> = {}) {
  return execa('node', [BIN, ...args], { reject: false, env: { ...env }, stdin: 'ignore' });
}

describe('the hbuild command', () => {
  let docker: Docker;
  let rootfs: string;

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
  });

  it('exits 2 with every lockfile problem and its line', async () => {
    const { dir, cleanup } = await workdir('cli-lock');
    await writeFile(join(dir, 'lock.yaml'), 'version: 1\nbuilder:\n  image: default\n  rootfs: sha256:nothex\npackages:\n  - name: a\n    version: "1.0"\n    colour: blue\n');

    const run = await hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store')]);

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/lock\.yaml:4: builder\.rootfs/);
    expect(run.stderr).toMatch(/lock\.yaml:8: .*colour/);
    expect(run.stderr).toMatch(/lock\.yaml:\d+: packages\[0\]\.sdist/);
    await cleanup();
  });

  it('exits 6 when no Docker engine answers', async () => {
    const { dir, cleanup } = await workdir('cli-docker');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-nodocker', version: '1.0' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));

    const run = await hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--docker-host', `unix://${dir}/no.sock`]);

    expect(run.exitCode).toBe(6);
    expect(run.stderr).toContain('no Docker engine answers');
    expect(run.stderr).toContain('hint:');
    await cleanup();
  });

  it('exits 3 on a wheel hash mismatch and streams --json events', async () => {
    const { dir, cleanup } = await workdir('cli-mismatch');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-cli-pin', version: '1.0' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [{ ...sdist, wheelFile: 'fx_cli_pin-1.0-py3-none-any.whl', wheelSha256: '0'.repeat(64) }]));

    const run = await hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--out', join(dir, 'wh'), '--json']);
    const events = run.stdout.trim().split('\n').map((l) => JSON.parse(l));

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain(`expected fx_cli_pin-1.0-py3-none-any.whl sha256 ${'0'.repeat(64)}`);
    expect(events[0]).toMatchObject({ type: 'run', status: 'start', packages: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'run', status: 'failed', failed: 1 });
    await cleanup();
  });

  it('on Ctrl-C stops the build, removes its container and exits 130', async () => {
    const { dir, cleanup } = await workdir('cli-sigint');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-sigint', version: '1.0', hook: 'import time\ntime.sleep(10**6)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const child = execa('node', [BIN, 'build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--record', '--json'], { reject: false, stdin: 'ignore' });
    await new Promise<void>((resolveRunning) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('"status":"running"')) resolveRunning();
      });
    });
    await waitFor(async () => (await leftoverContainers(docker, 'fx-sigint==1.0')).length > 0);

    child.kill('SIGINT');
    const run = await child;

    expect(run.exitCode).toBe(130);
    expect(await leftoverContainers(docker, 'fx-sigint==1.0')).toEqual([]);
    await cleanup();
  });
});
