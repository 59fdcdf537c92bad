import type Docker from 'dockerode';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { TestEngine, unmountUnder } from '../helpers/dockerd.js';
import { hbuild, untilStdout } from '../helpers/spawn.js';
import { tempDir, useTempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { builderRootfs, engine } from './harness.js';

describe('a lost engine fails fast', () => {
  let docker: Docker;
  let rootfs: string;
  // A second engine of the test's own, which the test kills or freezes mid-build.
  let second: TestEngine;
  const engineRoot = useTempDir('engine2', { per: 'suite' });

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
    second = new TestEngine(engineRoot.path);
    await second.start();
    const [image] = await docker.listImages({ filters: { label: [`org.hbuild.rootfs=${rootfs}`] } });
    await execa('sh', ['-c', `docker save ${image!.Id} | docker -H ${second.host} load`]);
  }, 600_000);

  afterAll(async () => {
    await second?.kill();
    // dockerd mounts under its roots; a lazy unmount lets the temp dir go.
    await unmountUnder(engineRoot.path);
  });

  it('a build on an engine killed mid-build fails within 30 s with exit 6 naming the engine; the next command there removes the leftover', async () => {
    const dir = await tempDir('engine-lost');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-lost', version: '1.0', hook: 'import time\ntime.sleep(300)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const run = hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--out', join(dir, 'wh'), '--record', '--json', '--docker-host', second.host]);
    await untilStdout(run, '"status":"running"');
    await waitFor(async () => (await second.docker(['ps', '-q', '--filter', 'label=org.hbuild.package=fx-lost==1.0'])).stdout.trim() !== '');
    const killedAt = Date.now();

    process.kill(await second.pid(), 'SIGKILL');
    const result = await run;
    const seconds = (Date.now() - killedAt) / 1000;

    expect(result.exitCode).toBe(6);
    expect(seconds).toBeLessThan(30);
    expect(result.stderr).toContain(`lost the Docker engine at ${second.host}`);

    // Back up on the same data root: the dead build's container is swept by the next command.
    await second.kill();
    await second.start();
    const leftBefore = (await second.docker(['ps', '-aq', '--filter', 'label=org.hbuild.build'])).stdout.trim();
    const vet = await execa('node', [join(import.meta.dirname, '../../bin/hbuild.js'), 'vet', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--min-age', '0'], {
      env: { DOCKER_HOST: second.host },
      reject: false,
    });
    const leftAfter = (await second.docker(['ps', '-aq', '--filter', 'label=org.hbuild.build'])).stdout.trim();
    expect(leftBefore).not.toBe('');
    expect(vet.exitCode).toBe(0);
    expect(leftAfter).toBe('');
  });

  it('the first Ctrl-C ends a build on an engine that stopped answering within 10 s', async () => {
    const dir = await tempDir('engine-frozen');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-frozen', version: '1.0', hook: 'import time\ntime.sleep(300)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const run = hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--out', join(dir, 'wh'), '--record', '--json', '--docker-host', second.host]);
    await untilStdout(run, '"status":"running"');
    await waitFor(async () => (await second.docker(['ps', '-q', '--filter', 'label=org.hbuild.package=fx-frozen==1.0'])).stdout.trim() !== '');
    const pid = await second.pid();
    process.kill(pid, 'SIGSTOP');
    try {
      const interruptedAt = Date.now();
      run.kill('SIGINT');
      const result = await run;
      const seconds = (Date.now() - interruptedAt) / 1000;

      expect(result.exitCode).toBe(130);
      expect(seconds).toBeLessThan(10);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});
