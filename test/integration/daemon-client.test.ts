import type Docker from 'dockerode';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { submitViaDaemon, type DaemonSubmitOptions } from '../../src/cli/daemon-client.js';
import { reportError } from '../../src/cli/main.js';
import type { HbuildEvent } from '../../src/core/events.js';
import { captureOutput } from '../helpers/output.js';
import { hbuild, jsonLines } from '../helpers/spawn.js';
import { useTempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { api, ensureBuilt, killLeftoverDaemons, spawnDaemon, spawnTcpDaemon, waitForRunningBuild, writeProject, type DaemonProcess } from './daemon-entry.js';
import { builderRootfs, engine, leftoverContainers } from './harness.js';

interface Outcome {
  code: number;
  events: HbuildEvent[];
  report: string;
  errors: string;
}

describe('hbuild daemon: the CLI as a client, and schedules', () => {
  const tmp = useTempDir('daemon-client', { per: 'suite' });
  let docker: Docker;
  let rootfs: string;
  let dir: string;
  let roots: string;
  let token: string;
  let daemon: DaemonProcess;
  let tcpUrl: string;

  /** What `hbuild build` does in-process: exit code, --json events, and its stderr. */
  async function inProcess(lock: string, extra: string[] = []): Promise<Outcome> {
    const run = await hbuild(['build', lock, '--store', join(dir, 'store'), '--out', join(dir, 'wh-cli'), '--json', ...extra]);
    const events = jsonLines<HbuildEvent>(run.stdout);
    return { code: run.exitCode ?? -1, events, report: run.stderr, errors: run.stderr };
  }

  /** The same through the daemon, as main() would run it: a thrown error goes through reportError. */
  async function viaDaemon(lock: string, options: DaemonSubmitOptions = {}, signal = new AbortController().signal): Promise<Outcome> {
    const events: HbuildEvent[] = [];
    const report = new PassThrough();
    let reportText = '';
    report.on('data', (c: Buffer) => (reportText += c.toString()));
    const output = captureOutput();
    try {
      const code = await submitViaDaemon('build', lock, { daemon: `unix://${daemon.socket}`, json: true, stderr: report, ...options }, (e) => events.push(e), signal).catch(reportError);
      return { code, events, report: reportText, errors: output.stderr };
    } finally {
      output.restore();
    }
  }

  const shape = (events: HbuildEvent[]): string[] => events.map((e) => (e.type === 'package' ? `${e.name} ${e.stage} ${e.status}` : `${e.type} ${'status' in e ? e.status : ''}`));

  beforeAll(async () => {
    await ensureBuilt();
    docker = await engine();
    rootfs = await builderRootfs(docker);
    dir = tmp.path;
    let tcp: { host: string; port: number };
    ({ daemon, roots, token, tcp } = await spawnTcpDaemon(dir, { home: join(dir, 'daemon'), args: ['--store', join(dir, 'store')] }));
    tcpUrl = `http://${tcp.host}:${tcp.port}`;
  });

  afterEach(async () => {
    if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) await killLeftoverDaemons(docker);
  });

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.child;
    await killLeftoverDaemons(docker);
  });

  it('returns 0 for a passing lock, as in-process, with the same events', async () => {
    const lock = await writeProject(roots, { name: 'fx-client-ok', version: '1.0' }, rootfs);
    expect((await inProcess(lock, ['--record'])).code).toBe(0);

    const local = await inProcess(lock);
    const remote = await viaDaemon(lock, { out: join(roots, 'wh-daemon') });
    const overTcp = await viaDaemon(lock, { daemon: tcpUrl, token, out: join(roots, 'wh-tcp') });

    expect(local.code).toBe(0);
    expect(remote.code).toBe(0);
    expect(overTcp.code).toBe(0);
    expect(shape(remote.events)).toEqual(shape(local.events));
    expect(remote.report).toBe(`wheelhouse: ${join(roots, 'wh-daemon')} (1 wheels)\n`);
    expect(await readFile(join(roots, 'wh-daemon', 'SHA256SUMS'), 'utf8')).toBe(await readFile(join(dir, 'wh-cli', 'SHA256SUMS'), 'utf8'));
  });

  it('returns 3 for a wheel pin mismatch, as in-process, with the same message', async () => {
    const lock = await writeProject(roots, { name: 'fx-client-pin', version: '1.0' }, rootfs, { file: 'fx_client_pin-1.0-py3-none-any.whl', sha256: '0'.repeat(64) });

    const local = await inProcess(lock);
    const remote = await viaDaemon(lock);

    expect(local.code).toBe(3);
    expect(remote.code).toBe(3);
    expect(shape(remote.events)).toEqual(shape(local.events));
    // Each run keeps its rejected wheel in a directory of its own, named by the time.
    const failureLine = (text: string): string | undefined => text.split('\n').find((l) => l.startsWith('✗'))?.replace(/rejected\/[^)]+\)/, 'rejected/…)');
    expect(failureLine(remote.report)).toContain(`expected fx_client_pin-1.0-py3-none-any.whl sha256 ${'0'.repeat(64)}`);
    expect(failureLine(remote.report)).toBe(failureLine(local.report));
  });

  it('returns 2 for an invalid lock, printing the error an in-process run prints', async () => {
    const lock = join(roots, 'invalid', 'lock.yaml');
    await mkdir(join(roots, 'invalid'));
    await writeFile(lock, 'version: 1\nbuilder:\n  image: default\n  rootfs: sha256:nothex\npackages: []\n');

    const local = await inProcess(lock);
    const remote = await viaDaemon(lock);

    expect(local.code).toBe(2);
    expect(remote.code).toBe(2);
    expect(remote.errors.trimEnd()).toBe(local.errors);
  });

  it('returns 2 with a hint when the daemon refuses the lock or the token', async () => {
    const outside = join(dir, 'outside.yaml');
    await writeFile(outside, 'version: 1\n');

    const refusedPath = await viaDaemon(outside);
    const refusedToken = await viaDaemon(join(roots, 'invalid', 'lock.yaml'), { daemon: tcpUrl, token: 'x'.repeat(48) });
    const noDaemon = await viaDaemon(outside, { daemon: `unix://${join(dir, 'nothing.sock')}` });

    expect([refusedPath.code, refusedToken.code, noDaemon.code]).toEqual([2, 2, 2]);
    expect(refusedPath.errors).toContain(`hbuild: error: lock file ${outside} is outside the daemon's roots`);
    expect(refusedToken.errors).toContain('refused the token');
    expect(noDaemon.errors).toContain('no hbuild daemon answers at');
  });

  it('on Ctrl-C cancels the job, removes its container and returns 130', async () => {
    const lock = await writeProject(roots, { name: 'fx-client-sigint', version: '1.0', hook: 'import time\ntime.sleep(10**6)\n' }, rootfs);
    const controller = new AbortController();
    const running = viaDaemon(lock, { record: true }, controller.signal);
    await waitForRunningBuild(docker, 'fx-client-sigint==1.0');

    controller.abort();
    const remote = await running;

    expect(remote.code).toBe(130);
    expect(remote.events.at(-1)).toMatchObject({ type: 'run', status: 'cancelled' });
    expect(await leftoverContainers(docker, 'fx-client-sigint==1.0')).toEqual([]);
  });

  it('runs scheduled jobs on their cron times and reports their latest results', async () => {
    const lock = await writeProject(roots, { name: 'fx-scheduled', version: '1.0' }, rootfs);
    const config = join(roots, 'schedules.yaml');
    await writeFile(config, 'schedules:\n  - name: every-second\n    lock: fx-scheduled/lock.yaml\n    cron: "* * * * * *"\n    kind: build\n');
    const scheduled = await spawnDaemon(join(dir, 'scheduled'), ['--roots', roots, '--schedule', config]);
    await scheduled.waitForLog('daemon listening');
    const socketPath = scheduled.socket;
    const latest = async () => (await api({ socketPath }, 'GET', '/v1/schedules')).json().schedules[0];

    await waitFor(async () => (await latest()).lastResult !== null, 60_000);
    const unpinned = await latest();
    const pin = (await api({ socketPath }, 'POST', '/v1/jobs', { kind: 'build', lock: { path: lock }, options: { record: true } })).json().id;
    await waitFor(async () => (await latest()).lastResult?.exitCode === 0, 90_000);
    const pinned = await latest();
    const jobs = (await api({ socketPath }, 'GET', '/v1/jobs')).json().jobs;
    scheduled.child.kill('SIGTERM');
    const stopped = await scheduled.child;

    expect(unpinned).toMatchObject({ name: 'every-second', kind: 'build', cron: '* * * * * *', timezone: 'UTC', lock: lock });
    expect(unpinned.lastResult).toMatchObject({ state: 'failed', exitCode: 3, summary: { failures: [{ code: 'ERR_WHEEL_UNPINNED' }] } });
    expect(Date.parse(pinned.nextRun)).toBeGreaterThan(Date.parse(pinned.lastResult.finishedAt) - 1000);
    expect(pinned.lastResult).toMatchObject({ state: 'succeeded', exitCode: 0, summary: { ok: 1, cached: 1 } });
    expect(jobs.find((j: { id: string }) => j.id === pin)).toMatchObject({ state: 'succeeded', source: 'path' });
    expect(jobs.filter((j: { schedule?: string }) => j.schedule === 'every-second').length).toBeGreaterThanOrEqual(2);
    expect(stopped.exitCode).toBe(0);
  });

  it('refuses to start on a schedule file with problems, naming each', async () => {
    const config = join(dir, 'bad-schedules.yaml');
    await writeFile(config, 'schedules:\n  - name: a\n    lock: /etc/hostname\n    cron: "61 * * * *"\n  - name: a\n    lock: roots/missing.yaml\n    cron: "@nightly"\n    colour: blue\n');

    const run = await (await spawnDaemon(join(dir, 'bad'), ['--roots', roots, '--schedule', config])).child;

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('schedules.1: Unrecognized key: "colour"');
    const fixed = config.replace('bad-', 'fixed-');
    await writeFile(fixed, 'schedules:\n  - name: a\n    lock: /etc/hostname\n    cron: "61 * * * *"\n  - name: a\n    lock: roots/missing.yaml\n    cron: "0 3 * * *"\n');
    const second = await (await spawnDaemon(join(dir, 'bad2'), ['--roots', roots, '--schedule', fixed])).child;
    expect(second.exitCode).toBe(2);
    expect(second.stderr).toMatch(/schedules\.0\.cron: .*61/);
    expect(second.stderr).toContain("schedules.0.lock: lock file /etc/hostname is outside the daemon's roots");
    expect(second.stderr).toContain('schedules.1.name: a is used twice');
    expect(second.stderr).toContain('schedules.1.lock: lock file');
  });
});
