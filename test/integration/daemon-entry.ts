import type Docker from 'dockerode';
import { execa, type ResultPromise } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONTAINER_LABEL } from '../../src/engine/index.js';
import type { HbuildEvent } from '../../src/core/events.js';
import { fixtureLock, writeFixtureSdist, type FixturePackage } from '../fixtures/pkg.js';
import { BIN, ROOT } from '../helpers/spawn.js';
import { sleep, waitFor } from '../helpers/wait.js';

/**
 * Compile src/ into dist/ once for all daemon test files (they may run in parallel, so the
 * build is serialised through a lock directory), then check the daemon's modules are there.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = join(tmpdir(), 'hbuild-daemon-test-build.lock');
  const stamp = join(tmpdir(), 'hbuild-daemon-test-build.stamp');
  for (let waited = 0; ; waited += 200) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (waited > 180_000) await rm(lock, { recursive: true, force: true });
      await sleep(200);
    }
  }
  try {
    const built = await stat(stamp).then((s) => s.mtimeMs, () => 0);
    if ((await newestSource()) >= built) {
      // Other engineers' work in progress may not type-check; tsc still emits, which is all these tests need.
      await execa('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, reject: false });
      await writeFile(stamp, '');
    }
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
  if (!existsSync(join(ROOT, 'dist', 'cli', 'daemon-command.js'))) throw new Error('dist/cli/daemon-command.js missing after the build');
}

async function newestSource(): Promise<number> {
  let newest = 0;
  for (const name of await readdir(join(ROOT, 'src'), { recursive: true })) {
    newest = Math.max(newest, (await stat(join(ROOT, 'src', name))).mtimeMs);
  }
  return newest;
}

/**
 * How to start `hbuild daemon`: through bin/hbuild.js once main.ts dispatches `daemon`; until then
 * through a wrapper that calls runDaemonCommand the way main() calls every command.
 */
async function daemonCommand(dir: string): Promise<string[]> {
  if (readFileSync(join(ROOT, 'dist', 'cli', 'main.js'), 'utf8').includes('daemon-command.js')) return [BIN, 'daemon'];
  const wrapper = join(dir, 'daemon-entry.mjs');
  const dist = (file: string): string => pathToFileURL(join(ROOT, 'dist', 'cli', file)).href;
  await writeFile(
    wrapper,
    `import { runDaemonCommand } from ${JSON.stringify(dist('daemon-command.js'))};
import { reportError } from ${JSON.stringify(dist('main.js'))};
const controller = new AbortController();
for (const name of ['SIGTERM', 'SIGINT']) process.on(name, () => controller.abort());
process.exitCode = await runDaemonCommand(process.argv.slice(2), controller.signal).catch(reportError);
`,
  );
  return [wrapper];
}

export interface DaemonProcess {
  child: ResultPromise<{ reject: false; stdin: 'ignore'; buffer: true; forceKillAfterDelay: false }>;
  pid: number;
  socket: string;
  /** Log lines (JSON) written so far. */
  logs: () => Array<Record<string, unknown>>;
  waitForLog: (msg: string, ms?: number) => Promise<Record<string, unknown>>;
}

/** Start the real daemon process on a socket in `dir` (`dir/run/daemon.sock`), state in `dir/state`. */
export async function spawnDaemon(dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<DaemonProcess> {
  await mkdir(dir, { recursive: true });
  const socket = join(dir, 'run', 'daemon.sock');
  const command = await daemonCommand(dir);
  const child = execa('node', [...command, '--socket', socket, '--state', join(dir, 'state'), '--store', join(dir, 'store'), ...args], {
    reject: false,
    stdin: 'ignore',
    buffer: true,
    // A stopping daemon may take longer than execa's default 5 s before it would send SIGKILL.
    forceKillAfterDelay: false,
    env: { HBUILD_LOG_LEVEL: 'info', ...env },
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const logs = (): Array<Record<string, unknown>> =>
    text
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const waitForLog = async (msg: string, ms = 30_000): Promise<Record<string, unknown>> => {
    let found: Record<string, unknown> | undefined;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${(await child).stderr}`);
      found = logs().find((l) => l.msg === msg);
      return found !== undefined;
    }, ms);
    return found!;
  };
  const started = { child, pid: child.pid!, socket, logs, waitForLog };
  spawned.add(started);
  void child.finally(() => spawned.delete(started));
  return started;
}

const spawned = new Set<DaemonProcess>();

export interface TcpDaemon {
  daemon: DaemonProcess;
  /** `dir/roots`, the one root the daemon serves, made empty. */
  roots: string;
  /** The bearer token in `dir/token`. */
  token: string;
  tcp: { host: string; port: number };
}

/**
 * Start a daemon that serves `dir/roots` on its socket and on loopback TCP with a fresh token,
 * and wait until it listens. Its own socket, state and store are under `home` (default `dir`).
 */
export async function spawnTcpDaemon(dir: string, options: { home?: string; args?: string[] } = {}): Promise<TcpDaemon> {
  const roots = join(dir, 'roots');
  await mkdir(roots);
  const token = randomBytes(24).toString('hex');
  await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
  const daemon = await spawnDaemon(options.home ?? dir, ['--roots', roots, ...(options.args ?? []), '--tcp', '127.0.0.1:0', '--token-file', join(dir, 'token')]);
  const listening = await daemon.waitForLog('daemon listening');
  const [host = '', port = ''] = String(listening.tcp).split(':');
  return { daemon, roots, token, tcp: { host, port: Number(port) } };
}

/**
 * For afterEach: a test that failed half-way may leave its daemon running. Kill it hard and
 * remove what it started, the way a restarted daemon would.
 */
export async function killLeftoverDaemons(docker: Docker): Promise<void> {
  for (const daemon of [...spawned]) {
    daemon.child.kill('SIGKILL');
    await daemon.child;
    const list = await docker.listContainers({ all: true, filters: { label: [CONTAINER_LABEL, `org.hbuild.owner-pid=${daemon.pid}`] } });
    for (const info of list) await docker.getContainer(info.Id).remove({ force: true, v: true }).catch(() => undefined);
  }
}

/**
 * Wait until a build container of `pkg` (name==version) has been running for a second, so that
 * the build is certainly past its start-up when a test cancels or stops it.
 */
export async function waitForRunningBuild(docker: Docker, pkg: string): Promise<void> {
  await waitFor(async () => {
    const list = await docker.listContainers({ filters: { label: [CONTAINER_LABEL, `org.hbuild.package=${pkg}`], status: ['running'] } });
    if (!list[0]) return false;
    const info = await docker.getContainer(list[0].Id).inspect();
    return Date.now() - Date.parse(info.State.StartedAt) > 1000;
  }, 60_000);
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => any;
}

export type Target = { socketPath: string } | { host: string; port: number };

/** One HTTP request to the daemon over its real socket (or loopback TCP). */
export function api(target: Target, method: string, path: string, body?: string | object, headers: Record<string, string> = {}): Promise<Answer> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolveAnswer, reject) => {
    const req = request(
      {
        ...target,
        method,
        path,
        headers: { ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The whole event stream of a job: it ends when the job does. */
export async function eventsOf(socketPath: string, id: string): Promise<HbuildEvent[]> {
  const answer = await api({ socketPath }, 'GET', `/v1/jobs/${id}/events`);
  return answer.text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as HbuildEvent);
}

export async function waitForJob(socketPath: string, id: string, ms = 120_000): Promise<any> {
  let job: any;
  await waitFor(async () => {
    job = (await api({ socketPath }, 'GET', `/v1/jobs/${id}`)).json();
    return job.finishedAt !== undefined;
  }, ms);
  return job;
}

/** A directory under `root` with one fixture sdist and its lock.yaml; returns the lock's path. */
export async function writeProject(root: string, spec: FixturePackage, rootfs: string, pin?: { file: string; sha256: string }): Promise<string> {
  const dir = join(root, spec.name);
  await mkdir(dir, { recursive: true });
  const sdist = await writeFixtureSdist(dir, spec);
  const lockPath = join(dir, 'lock.yaml');
  await writeFile(lockPath, fixtureLock(rootfs, [{ ...sdist, ...(pin ? { wheelFile: pin.file, wheelSha256: pin.sha256 } : {}) }]));
  return lockPath;
}
