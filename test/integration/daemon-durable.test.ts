import type Docker from 'dockerode';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_LABEL } from '../../src/engine/index.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { api, ensureBuilt, eventsOf, killLeftoverDaemons, spawnDaemon, waitForJob, waitForRunningBuild, writeProject } from './daemon-entry.js';
import { builderRootfs, engine, leftoverContainers } from './harness.js';

/** Containers an hbuild process with this pid started, running or not. */
async function containersOf(docker: Docker, pid: number): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [CONTAINER_LABEL, `org.hbuild.owner-pid=${pid}`] } });
  return list.map((c) => c.Id);
}

const SLEEP_FOREVER = 'import time\ntime.sleep(10**6)\n';

describe('hbuild daemon: durable jobs, cancel and shutdown', () => {
  let docker: Docker;
  let rootfs: string;

  beforeAll(async () => {
    await ensureBuilt();
    docker = await engine();
    rootfs = await builderRootfs(docker);
  });

  afterEach(() => killLeftoverDaemons(docker));

  it('after kill -9 mid-build with 20 jobs queued, a restart finishes every job and leaves no container behind', { timeout: 420_000 }, async () => {
    const dir = await tempDir('daemon-kill9');
    const roots = join(dir, 'roots');
    await mkdir(roots);
    const slow = await writeProject(roots, { name: 'fx-kill9-slow', version: '1.0', hook: 'import time\ntime.sleep(4)\n' }, rootfs);
    const locks = [];
    for (let i = 1; i <= 20; i++) locks.push(await writeProject(roots, { name: `fx-kill9-q${i}`, version: '1.0' }, rootfs));
    const first = await spawnDaemon(dir, ['--roots', roots, '--jobs', '1']);
    await first.waitForLog('daemon listening');
    const submit = async (lock: string): Promise<string> =>
      (await api({ socketPath: first.socket }, 'POST', '/v1/jobs', { kind: 'build', lock: { path: lock }, options: { record: true } })).json().id;
    const slowId = await submit(slow);
    const queuedIds = [];
    for (const lock of locks) queuedIds.push(await submit(lock));
    await waitFor(async () => (await leftoverContainers(docker, 'fx-kill9-slow==1.0')).length > 0);
    const before = (await api({ socketPath: first.socket }, 'GET', '/v1/health')).json();

    first.child.kill('SIGKILL');
    const killed = await first.child;
    const orphaned = await containersOf(docker, first.pid);
    const second = await spawnDaemon(dir, ['--roots', roots, '--jobs', '2']);
    const listening = await second.waitForLog('daemon listening');
    const orphanedAfterStart = await containersOf(docker, first.pid);
    const socketPath = second.socket;
    const jobs = [];
    for (const id of [slowId, ...queuedIds]) jobs.push(await waitForJob(socketPath, id, 360_000));
    const slowEvents = await eventsOf(socketPath, slowId);
    const all = (await api({ socketPath }, 'GET', '/v1/jobs')).json().jobs;
    second.child.kill('SIGTERM');
    const stopped = await second.child;

    expect(before.jobs).toEqual({ queued: 20, running: 1 });
    expect(killed.signal).toBe('SIGKILL');
    expect(orphaned).toHaveLength(1);
    expect(orphanedAfterStart).toEqual([]);
    expect(listening).toMatchObject({ queued: 21, requeued: 1 });
    expect(all).toHaveLength(21);
    expect(jobs.map((j) => [j.state, j.exitCode])).toEqual(Array.from({ length: 21 }, () => ['succeeded', 0]));
    expect(jobs[0]).toMatchObject({ id: slowId, attempts: 2 });
    expect(jobs.slice(1).every((j) => j.attempts === 1)).toBe(true);
    for (const [i, job] of jobs.slice(1).entries()) expect(await readdir(job.outDir)).toEqual(expect.arrayContaining([`fx_kill9_q${i + 1}-1.0-py3-none-any.whl`]));
    expect(slowEvents).toContainEqual({ type: 'log', level: 'warn', message: 'the daemon stopped during this job; it runs again' });
    expect(slowEvents.at(-1)).toMatchObject({ type: 'run', status: 'done', ok: 1 });
    expect(stopped.exitCode).toBe(0);
    expect(await containersOf(docker, first.pid)).toEqual([]);
    expect(await containersOf(docker, second.pid)).toEqual([]);
  });

  it('cancels a running build through the API and removes its container', async () => {
    const dir = await tempDir('daemon-cancel');
    const roots = join(dir, 'roots');
    await mkdir(roots);
    const lock = await writeProject(roots, { name: 'fx-daemon-cancel', version: '1.0', hook: SLEEP_FOREVER }, rootfs);
    const daemon = await spawnDaemon(dir, ['--roots', roots]);
    await daemon.waitForLog('daemon listening');
    const socketPath = daemon.socket;
    const id = (await api({ socketPath }, 'POST', '/v1/jobs', { kind: 'build', lock: { path: lock }, options: { record: true } })).json().id;
    const stream = eventsOf(socketPath, id);
    await waitForRunningBuild(docker, 'fx-daemon-cancel==1.0');

    const cancelled = await api({ socketPath }, 'DELETE', `/v1/jobs/${id}`);
    const job = await waitForJob(socketPath, id);
    const events = await stream;
    const again = await api({ socketPath }, 'DELETE', `/v1/jobs/${id}`);
    const metrics = (await api({ socketPath }, 'GET', '/metrics')).text;
    daemon.child.kill('SIGTERM');
    await daemon.child;

    expect(cancelled.status).toBe(202);
    expect(job).toMatchObject({ state: 'cancelled', exitCode: 130 });
    expect(events.at(-1)).toMatchObject({ type: 'run', status: 'cancelled', failed: 0, cancelled: 1 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'package', name: 'fx-daemon-cancel', status: 'cancelled', message: 'build cancelled' }));
    expect(events).not.toContainEqual(expect.objectContaining({ status: 'failed' }));
    expect(again.status).toBe(409);
    expect(metrics).toContain('hbuild_jobs_total{kind="build",outcome="cancelled"} 1');
    expect(await leftoverContainers(docker, 'fx-daemon-cancel==1.0')).toEqual([]);
  });

  it('on SIGTERM lets a running build finish within the grace period, keeps queued jobs, and exits 0', async () => {
    const dir = await tempDir('daemon-drain');
    const roots = join(dir, 'roots');
    await mkdir(roots);
    const running = await writeProject(roots, { name: 'fx-daemon-drain', version: '1.0', hook: 'import time\ntime.sleep(3)\n' }, rootfs);
    const waiting = await writeProject(roots, { name: 'fx-daemon-waiting', version: '1.0' }, rootfs);
    const daemon = await spawnDaemon(dir, ['--roots', roots, '--grace', '120']);
    await daemon.waitForLog('daemon listening');
    const socketPath = daemon.socket;
    const submit = async (lock: string): Promise<string> =>
      (await api({ socketPath }, 'POST', '/v1/jobs', { kind: 'build', lock: { path: lock }, options: { record: true } })).json().id;
    const runningId = await submit(running);
    const waitingId = await submit(waiting);
    const stream = eventsOf(socketPath, runningId);
    await waitForRunningBuild(docker, 'fx-daemon-drain==1.0');

    daemon.child.kill('SIGTERM');
    await waitFor(async () => daemon.logs().some((l) => l.msg === 'daemon stopping'));
    const refused = await api({ socketPath }, 'POST', '/v1/jobs', { kind: 'build', lock: { path: waiting } }).catch((err: Error) => err);
    const events = await stream;
    const stopped = await daemon.child;
    const restarted = await spawnDaemon(dir, ['--roots', roots, '--grace', '0']);
    await restarted.waitForLog('daemon listening');
    const finished = (await api({ socketPath }, 'GET', `/v1/jobs/${runningId}`)).json();
    const resumed = await waitForJob(socketPath, waitingId);
    restarted.child.kill('SIGTERM');
    await restarted.child;

    expect(refused).toBeInstanceOf(Error);
    expect(events.at(-1)).toMatchObject({ type: 'run', status: 'done', ok: 1 });
    expect(stopped.exitCode).toBe(0);
    expect(finished).toMatchObject({ state: 'succeeded', exitCode: 0, attempts: 1 });
    expect(resumed).toMatchObject({ state: 'succeeded', exitCode: 0, attempts: 1 });
  });

  it('on SIGTERM checkpoints a build that outlasts the grace period: container removed, job resumed by the next daemon', async () => {
    const dir = await tempDir('daemon-checkpoint');
    const roots = join(dir, 'roots');
    await mkdir(roots);
    const lock = await writeProject(roots, { name: 'fx-daemon-checkpoint', version: '1.0', hook: SLEEP_FOREVER }, rootfs);
    const daemon = await spawnDaemon(dir, ['--roots', roots, '--grace', '1']);
    await daemon.waitForLog('daemon listening');
    const socketPath = daemon.socket;
    const id = (await api({ socketPath }, 'POST', '/v1/jobs', { kind: 'build', lock: { path: lock }, options: { record: true } })).json().id;
    await waitForRunningBuild(docker, 'fx-daemon-checkpoint==1.0');

    daemon.child.kill('SIGTERM');
    const stopped = await daemon.child;
    const containersAfterStop = await leftoverContainers(docker, 'fx-daemon-checkpoint==1.0');
    const journal = (await readFile(join(dir, 'state', 'journal.ndjson'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const restarted = await spawnDaemon(dir, ['--roots', roots, '--grace', '0']);
    await restarted.waitForLog('daemon listening');
    await waitFor(async () => (await api({ socketPath }, 'GET', `/v1/jobs/${id}`)).json().attempts === 2);
    await waitForRunningBuild(docker, 'fx-daemon-checkpoint==1.0');
    await api({ socketPath }, 'DELETE', `/v1/jobs/${id}`);
    const cancelled = await waitForJob(socketPath, id);
    restarted.child.kill('SIGTERM');
    await restarted.child;

    expect(stopped.exitCode).toBe(0);
    expect(daemon.logs().map((l) => l.msg)).toContain('job stopped for shutdown; queued again');
    expect(containersAfterStop).toEqual([]);
    expect(journal.at(-1)).toMatchObject({ op: 'requeue', id, reason: 'daemon shut down' });
    expect(cancelled).toMatchObject({ state: 'cancelled', exitCode: 130, attempts: 2 });
    expect(await leftoverContainers(docker, 'fx-daemon-checkpoint==1.0')).toEqual([]);
  });
});
