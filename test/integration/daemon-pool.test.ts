import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStoreRoot } from '../../src/store/store.js';
import { ROOT } from '../helpers/spawn.js';
import { useTempDir } from '../helpers/tmp.js';
import { api, ensureBuilt, spawnDaemon, waitForJob, writeProject, type DaemonProcess } from './daemon-entry.js';
import { builderRootfs, engine } from './harness.js';

describe('hbuild daemon over a pool of engines from a pool file', () => {
  const tmp = useTempDir('daemon-pool', { per: 'suite' });
  const socket = 'unix:///var/run/docker.sock';
  let rootfs: string;
  let roots: string;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    await ensureBuilt();
    rootfs = await builderRootfs(await engine());
    roots = join(tmp.path, 'roots');
    await mkdir(roots);
    // The pool from a pool file, as a daemon would be configured.
    const poolFile = join(tmp.path, 'pool.yaml');
    await writeFile(poolFile, `engines:\n  - address: ${socket}\n    slots: 2\nrecheck-seconds: 10\n`);
    daemon = await spawnDaemon(tmp.path, ['--roots', roots, '--engines', poolFile, '--images', join(ROOT, 'images'), '--image-archives', join(defaultStoreRoot(), '..', 'images')]);
    await daemon.waitForLog('daemon listening');
  });

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.child;
  });

  it('builds a job on the pool and serves per-engine slots, running builds, builds and failures in /metrics', async () => {
    const lock = await writeProject(roots, { name: 'fx-daemon-pool', version: '1.0' }, rootfs);

    const submitted = await api({ socketPath: daemon.socket }, 'POST', '/v1/jobs', { kind: 'build', lock: { path: lock }, options: { record: true } });
    const job = await waitForJob(daemon.socket, submitted.json().id);
    const metrics = (await api({ socketPath: daemon.socket }, 'GET', '/metrics')).text;

    expect(job).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const label = `{engine="${socket}"}`;
    expect(metrics).toContain(`hbuild_engine_up${label} 1\n`);
    expect(metrics).toContain(`hbuild_engine_slots${label} 2\n`);
    expect(metrics).toContain(`hbuild_engine_slots_busy${label} 0\n`);
    expect(metrics).toContain(`hbuild_engine_builds_running${label} 0\n`);
    expect(metrics).toContain(`hbuild_engine_builds_total${label} 1\n`);
    expect(metrics).toContain(`hbuild_engine_build_failures_total${label} 0\n`);
  });
});
