import { randomBytes } from 'node:crypto';
import { readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheus } from '../helpers/prometheus.js';
import { useTempDir } from '../helpers/tmp.js';
import { api, ensureBuilt, eventsOf, spawnDaemon, spawnTcpDaemon, waitForJob, writeProject, type DaemonProcess, type Target } from './daemon-entry.js';
import { builderRootfs, engine } from './harness.js';

describe('hbuild daemon: its API over the real socket', () => {
  const tmp = useTempDir('daemon-api', { per: 'suite' });
  let rootfs: string;
  let dir: string;
  let roots: string;
  let token: string;
  let daemon: DaemonProcess;
  let unix: Target;
  let tcp: { host: string; port: number };

  beforeAll(async () => {
    await ensureBuilt();
    rootfs = await builderRootfs(await engine());
    dir = tmp.path;
    ({ daemon, roots, token, tcp } = await spawnTcpDaemon(dir));
    unix = { socketPath: daemon.socket };
  });

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.child;
  });

  it('listens on a socket only its owner can use, inside a private directory', async () => {
    const socket = await stat(daemon.socket);
    const state = await stat(join(dir, 'state'));

    const health = await api(unix, 'GET', '/v1/health');

    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o600);
    expect(state.mode & 0o777).toBe(0o700);
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', pid: daemon.pid, jobs: { queued: 0, running: 0 } });
  });

  it('answers 401 on TCP unless the request carries the bearer token', async () => {
    const none = await api(tcp, 'GET', '/v1/health');
    const wrong = await api(tcp, 'GET', '/v1/jobs', undefined, { authorization: `Bearer ${token.slice(0, -1)}x` });
    const submit = await api(tcp, 'POST', '/v1/jobs', { kind: 'build', lock: { content: 'x' } }, { authorization: 'Basic Zm9vOmJhcg==' });
    const right = await api(tcp, 'GET', '/v1/health', undefined, { authorization: `Bearer ${token}` });

    for (const refused of [none, wrong, submit]) {
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="hbuild"');
      expect(refused.json()).toEqual({ error: { code: 'ERR_UNAUTHORIZED', message: 'a bearer token is required' } });
    }
    expect(right.status).toBe(200);
  });

  it.each([
    ['a non-loopback address', ['--tcp', '0.0.0.0:0', '--token-file', 'TOKEN'], /refusing to listen on 0\.0\.0\.0:0: only loopback addresses/],
    ['a host name', ['--tcp', 'localhost:0', '--token-file', 'TOKEN'], /refusing to listen on localhost:0/],
    ['TCP without a token', ['--tcp', '127.0.0.1:0'], /--tcp and --token-file go together/],
    ['a token file others can read', ['--tcp', '127.0.0.1:0', '--token-file', 'OPEN_TOKEN'], /readable by others \(mode 644\)/],
  ])('refuses to start with %s', async (_label, args, message) => {
    const other = join(dir, `refused-${randomBytes(4).toString('hex')}`);
    await writeFile(join(dir, 'open-token'), `${token}\n`, { mode: 0o644 });
    const resolved = args.map((a) => (a === 'TOKEN' ? join(dir, 'token') : a === 'OPEN_TOKEN' ? join(dir, 'open-token') : a));

    const run = await (await spawnDaemon(other, ['--roots', roots, ...resolved])).child;

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('refuses a second daemon on the same state directory', async () => {
    const run = await (await spawnDaemon(dir, ['--roots', roots])).child;

    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`another hbuild daemon (pid ${daemon.pid}) uses the state directory`);
  });

  it('refuses lock files and wheelhouses outside its roots, symlinks included', async () => {
    const outsideLock = join(dir, 'outside.yaml');
    await writeFile(outsideLock, 'version: 1\n');
    await symlink(outsideLock, join(roots, 'escape.yaml'));
    const inside = await writeProject(roots, { name: 'fx-daemon-roots', version: '1.0' }, rootfs);
    const submit = (lock: object, options: object = {}) => api(unix, 'POST', '/v1/jobs', { kind: 'build', lock, options });

    const answers = {
      outside: await submit({ path: outsideLock }),
      dotdot: await submit({ path: `${roots}/../outside.yaml` }),
      symlink: await submit({ path: join(roots, 'escape.yaml') }),
      outOutside: await submit({ path: inside }, { out: join(dir, 'wheelhouse') }),
      outIsRoot: await submit({ path: inside }, { out: roots }),
      missing: await submit({ path: join(roots, 'missing.yaml') }),
      relative: await submit({ path: 'roots/lock.yaml' }),
    };

    for (const refused of [answers.outside, answers.dotdot, answers.symlink, answers.outOutside, answers.outIsRoot]) {
      expect(refused.status).toBe(403);
      expect(refused.json().error.code).toBe('ERR_FORBIDDEN_PATH');
    }
    expect(answers.outside.json().error.message).toContain(`lock file ${outsideLock} is outside the daemon's roots`);
    expect(answers.missing.status).toBe(400);
    expect(answers.missing.json().error.message).toContain('does not exist');
    expect(answers.relative.status).toBe(400);
    expect(answers.relative.json().error.message).toContain('lock.path: expected an absolute path');
    expect((await api(unix, 'GET', '/v1/jobs')).json().jobs).toEqual([]);
  });

  it('refuses oversized, malformed and unexpected requests with JSON 4xx errors', async () => {
    const big = 'x'.repeat(9 * 1024 * 1024);
    const answers = {
      oversized: await api(unix, 'POST', '/v1/jobs', `{"kind":"build","lock":{"content":"${big}"}}`),
      bigLock: await api(unix, 'POST', '/v1/jobs', { kind: 'build', lock: { content: 'y'.repeat(4 * 1024 * 1024 + 1) } }),
      malformed: await api(unix, 'POST', '/v1/jobs', '{"kind": "build", '),
      notJson: await api(unix, 'POST', '/v1/jobs', 'kind=build', { 'content-type': 'application/x-www-form-urlencoded' }),
      unknownKey: await api(unix, 'POST', '/v1/jobs', { kind: 'build', lock: { content: 'x' }, shell: 'rm -rf /' }),
      unknownKind: await api(unix, 'POST', '/v1/jobs', { kind: 'deploy', lock: { content: 'x' } }),
      badJobs: await api(unix, 'POST', '/v1/jobs', { kind: 'build', lock: { content: 'x' }, options: { jobs: 1000 } }),
      noJob: await api(unix, 'GET', '/v1/jobs/000000000000000000000'),
      badId: await api(unix, 'GET', '/v1/jobs/..%2F..%2Fetc'),
      noRoute: await api(unix, 'GET', '/v2/jobs'),
      method: await api(unix, 'DELETE', '/v1/health'),
    };

    const expected: Record<keyof typeof answers, [number, string]> = {
      oversized: [413, 'ERR_TOO_LARGE'],
      bigLock: [413, 'ERR_TOO_LARGE'],
      malformed: [400, 'ERR_INVALID_JSON'],
      notJson: [415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
      unknownKey: [400, 'ERR_BAD_REQUEST'],
      unknownKind: [400, 'ERR_BAD_REQUEST'],
      badJobs: [400, 'ERR_BAD_REQUEST'],
      noJob: [404, 'ERR_NOT_FOUND'],
      badId: [404, 'ERR_NOT_FOUND'],
      noRoute: [404, 'ERR_NOT_FOUND'],
      method: [405, 'ERR_METHOD_NOT_ALLOWED'],
    };
    for (const [name, [status, code]] of Object.entries(expected)) {
      const answer = answers[name as keyof typeof answers];
      expect({ name, status: answer.status, type: answer.headers['content-type'], code: answer.json().error.code }).toEqual({
        name,
        status,
        type: 'application/json; charset=utf-8',
        code,
      });
    }
    expect(answers.unknownKey.json().error.message).toContain('shell');
    expect(answers.method.headers.allow).toBe('GET');
    expect((await api(unix, 'GET', '/v1/jobs')).json().jobs).toEqual([]);
  });

  it('runs a build job end to end, streams its events live and replays them later', async () => {
    const lock = await writeProject(roots, { name: 'fx-daemon-e2e', version: '1.0' }, rootfs);

    const submitted = await api(unix, 'POST', '/v1/jobs', { kind: 'build', lock: { path: lock }, options: { record: true } });
    const live = await eventsOf(daemon.socket, submitted.json().id);
    const job = await waitForJob(daemon.socket, submitted.json().id);
    const replayed = await eventsOf(daemon.socket, submitted.json().id);
    const listed = (await api(unix, 'GET', '/v1/jobs')).json().jobs;

    expect(submitted.status).toBe(202);
    expect(submitted.headers.location).toBe(`/v1/jobs/${submitted.json().id}`);
    expect(live[0]).toEqual({ type: 'run', status: 'start', kind: 'build', packages: 1, jobs: expect.any(Number) });
    expect(live).toContainEqual({ type: 'package', name: 'fx-daemon-e2e', version: '1.0', stage: 'build', status: 'running' });
    expect(live).toContainEqual(expect.objectContaining({ type: 'package', stage: 'check', status: 'done' }));
    expect(live.at(-1)).toMatchObject({ type: 'run', status: 'done', ok: 1, failed: 0 });
    expect(replayed).toEqual(live);
    expect(job).toMatchObject({ state: 'succeeded', exitCode: 0, attempts: 1, summary: { kind: 'build', ok: 1, published: true, recorded: 1, failures: [] } });
    expect(await readdir(job.outDir)).toContain('fx_daemon_e2e-1.0-py3-none-any.whl');
    expect(dirname(job.outDir)).toBe(join(dir, 'state', 'jobs', job.id));
    expect(listed.map((j: { id: string }) => j.id)).toContain(job.id);
  });

  it('runs a vet job through the API, as hbuild vet would', async () => {
    const lock = await writeProject(roots, { name: 'fx-daemon-vet', version: '1.0' }, rootfs);

    const submitted = await api(unix, 'POST', '/v1/jobs', { kind: 'vet', lock: { path: lock } });
    const job = await waitForJob(daemon.socket, submitted.json().id);

    expect(submitted.status).toBe(202);
    expect(job).toMatchObject({ kind: 'vet', state: 'succeeded', exitCode: 0, summary: { kind: 'vet', data: { packages: [{ name: 'fx-daemon-vet', version: '1.0', verdict: 'pass' }] } } });
    expect(job.summary.report).toContain('fx-daemon-vet');
  });

  it('serves Prometheus metrics that parse, counting the jobs and builds it ran', async () => {
    const answer = await api(unix, 'GET', '/metrics');
    const samples = parsePrometheus(answer.text);
    const jobs = (await api(unix, 'GET', '/v1/jobs')).json().jobs as Array<{ kind: string; state: string }>;
    const health = (await api(unix, 'GET', '/v1/health')).json();

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(samples.get('hbuild_daemon_queue_depth')).toBe(0);
    expect(samples.get('hbuild_daemon_jobs_running')).toBe(0);
    expect(samples.get('hbuild_daemon_start_time_seconds')).toBe(Math.floor(Date.parse(health.startedAt) / 1000));
    for (const [kind, outcome] of [['build', 'succeeded'], ['build', 'failed'], ['vet', 'succeeded']]) {
      const finished = jobs.filter((j) => j.kind === kind && j.state === outcome).length;
      expect(samples.get(`hbuild_jobs_total{kind="${kind}",outcome="${outcome}"}`), `${kind} ${outcome}`).toBe(finished);
    }
    expect(samples.get('hbuild_jobs_total{kind="build",outcome="succeeded"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('hbuild_jobs_total{kind="vet",outcome="succeeded"}')).toBe(1);
    expect(samples.get('hbuild_packages_total{outcome="built"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('hbuild_cache_hits_total')).toBe(samples.get('hbuild_packages_total{outcome="cached"}'));
    const builds = jobs.filter((j) => j.kind === 'build' && j.state !== 'queued' && j.state !== 'running').length;
    expect(samples.get('hbuild_job_duration_seconds_count{kind="build"}')).toBe(builds);
    expect(samples.get('hbuild_job_duration_seconds_bucket{kind="build",le="+Inf"}')).toBe(builds);
  });
});
