import type Docker from 'dockerode';
import { createServer, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInContainer } from '../../src/engine/container.js';
import { DEFAULT_LIMITS } from '../../src/engine/container-limits.js';
import { resolveBuilderImage } from '../../src/engine/image-resolve.js';
import type { HbuildError } from '../../src/core/errors.js';
import { createEngine } from '../../src/engine/index.js';
import { hasRuntime, registeredRuntimes, RUNTIMES, type Runtime } from '../../src/engine/runtime.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { readZipEntry } from '../fixtures/zip-read.js';
import { tempDir } from '../helpers/tmp.js';
import { buildInDir, builderRootfs, engine, leftoverContainers } from './harness.js';

/** The kernel release the build sees: the host's under runc, gVisor's own under runsc. */
const KERNEL_PROBE = 'import platform\nreport("kernel", platform.release())\n';

/** Python the fixture backend runs during build_wheel: it tries the network and reports what happened. */
function networkProbe(tcpPort: number, udpPort: number): string {
  return `
import json, socket
res = {}
try:
    s = socket.create_connection(("127.0.0.1", ${tcpPort}), timeout=3)
    s.sendall(b"probe-from-build\\n"); s.close(); res["tcp"] = "connected"
except Exception as e:
    res["tcp"] = type(e).__name__
try:
    q = b"\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x05probe\\x06hbuild\\x04test\\x00\\x00\\x01\\x00\\x01"
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
    u.sendto(q, ("127.0.0.1", ${udpPort})); res["dns"] = "sent"
    u.recvfrom(512); res["dns"] = "answered"
except Exception as e:
    res["dns"] = res.get("dns", "") + ":" + type(e).__name__
try:
    socket.getaddrinfo("probe.hbuild.test", 443); res["resolve"] = "resolved"
except Exception as e:
    res["resolve"] = type(e).__name__
res["interfaces"] = sorted(n for _, n in socket.if_nameindex())
report("net", json.dumps(res))
`;
}

/** The control run has no sdist; it only needs the /build/out the output step reads. */
function outDirTar(): Readable {
  const archive = pack();
  archive.entry({ name: 'out/', type: 'directory', mode: 0o755, uid: 1000, gid: 1000 });
  archive.finalize();
  return archive as unknown as Readable;
}

/** Builds run under the default runtime and under gVisor; CI must have both (scripts/setup.sh registers runsc). */
const registered = await registeredRuntimes(await engine());
const IN_CI = (process.env.CI ?? '') !== '' && process.env.CI !== 'false';

/** How a bounded build ended, in the words of the bomb table below; anything else verbatim, so it fails. */
function ending(error: HbuildError): string {
  if (error.code === 'ERR_BUILD_TIMEOUT' && error.message.startsWith('build exceeded its wall-clock limit of 15 s and was killed')) return 'timeout';
  if (error.code === 'ERR_BUILD_FAILED' && error.message.startsWith('build ran out of memory (limit 256 MiB) and was killed')) return 'out of memory';
  if (error.code === 'ERR_BUILD_FAILED' && error.details.exitCode === 2) return 'exit 2';
  return `${error.code}: ${error.message}`;
}

/** A lock that asks for `runtime` itself, so the lock setting is tested as well as the engine option. */
function lockWithRuntime(lock: string, runtime: Runtime): string {
  return lock.replace('settings:\n', `settings:\n  runtime: ${runtime}\n`);
}

describe.each(RUNTIMES)('build isolation under %s against the real engine', (runtime) => {
  const available = hasRuntime(registered, runtime);
  if (!available && !IN_CI) {
    it.skip(`needs the ${runtime} runtime registered with the engine: run scripts/setup.sh as root`, () => undefined);
    return;
  }
  const onRuntime = createEngine({}, { runtime });
  let docker: Docker;
  let rootfs: string;
  let tcp: Server;
  let udp: Socket;
  const received: string[] = [];

  it('is registered with the engine', () => {
    expect([...(registered ?? [])], `the engine has no ${runtime}; run scripts/setup.sh as root`).toContain(runtime);
  });

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
    tcp = createServer((sock) => sock.on('data', (d) => received.push(`tcp:${d.toString().trim()}`)));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    udp = createSocket('udp4');
    udp.on('message', (m) => received.push(`udp:${m.length}`));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  });

  afterAll(() => {
    tcp?.close();
    udp?.close();
  });

  /** The build ran under this runtime: runc shares the host kernel, gVisor answers with its own. */
  const expectKernel = (kernel: string): void => {
    if (runtime === 'runc') expect(kernel).toBe(release());
    else expect(kernel).not.toBe(release());
  };

  const ports = (): [number, number] => [(tcp.address() as { port: number }).port, udp.address().port];

  it('a build reaches no loopback listener and resolves no name, while the control run without isolation does reach it', async () => {
    const dir = await tempDir('net');
    const sdist = await writeFixtureSdist(dir, { name: 'probe-net', version: '1.0', hook: networkProbe(...ports()) + KERNEL_PROBE });
    received.length = 0;

    const run = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true, engine: onRuntime });
    expect(run.failures.map((f) => [f.error.message, f.error.details.logTail])).toEqual([]);
    const whl = join(dir, 'wheelhouse', run.records[0]?.wheel.file ?? 'missing');
    const seen = JSON.parse(await readZipEntry(whl, 'probe_net/_probe/net.txt')) as Record<string, unknown>;
    const kernel = await readZipEntry(whl, 'probe_net/_probe/kernel.txt');
    const isolatedReceived = [...received];

    // The control run shows the probe can reach the listeners at all. It runs under runc: runsc is
    // registered with --network=none, so not even a host-network container of it has a network.
    const image = await resolveBuilderImage(docker, { image: 'default', rootfs });
    await runInContainer(
      docker,
      {
        imageId: image.imageId,
        cmd: ['python3', '-c', networkProbe(...ports()).replace(/\nres\["interfaces"\][^\n]*/, '').replace('report("net", json.dumps(res))', 'print(json.dumps(res))').replace(/try:\n    socket.getaddrinfo[\s\S]*?type\(e\).__name__\n/, '')],
        env: { PATH: '/usr/bin:/bin' },
        limits: { ...DEFAULT_LIMITS, timeoutMs: 30_000 },
        inputs: [() => outDirTar()],
        logPath: join(dir, 'control.log'),
        networkMode: 'host',
        labels: { 'org.hbuild.package': 'probe-control==1.0' },
      },
      async (tar) => {
        tar.resume();
      },
      new AbortController().signal,
      'runc',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(run.failures).toEqual([]);
    expectKernel(kernel);
    expect(seen.tcp).toBe('ConnectionRefusedError');
    expect(seen.dns).toMatch(/^sent:(TimeoutError|timeout|ConnectionRefusedError)/);
    expect(seen.resolve).toBe('gaierror');
    expect(seen.interfaces).toEqual(['lo']);
    expect(isolatedReceived).toEqual([]);
    expect(received).toContain('tcp:probe-from-build');
    expect(received.some((r) => r.startsWith('udp:'))).toBe(true);
    expect(await readFile(join(dir, 'control.log'), 'utf8')).toContain('"tcp": "connected"');
  });

  it('a build sees none of the host environment, no Docker socket and no host path', async () => {
    const dir = await tempDir('env');
    process.env.HBUILD_TEST_SECRET = 'planted-secret-4d1f9a';
    const hook = `
import json, os
report("env", json.dumps(dict(os.environ), sort_keys=True))
report("paths", json.dumps({p: os.path.exists(p) for p in ["/var/run/docker.sock", "/run/docker.sock", ${JSON.stringify(dir)}, "/work", "/root/.cache", "/etc/docker"]}))
report("ids", json.dumps([os.getuid(), os.getgid(), os.geteuid()]))
${KERNEL_PROBE}`;
    const sdist = await writeFixtureSdist(dir, { name: 'probe-env', version: '1.0', hook });

    const run = await buildInDir(dir, lockWithRuntime(fixtureLock(rootfs, [sdist]), runtime), { record: true });
    delete process.env.HBUILD_TEST_SECRET;
    expect(run.failures.map((f) => [f.error.message, f.error.details.logTail])).toEqual([]);
    const whl = join(dir, 'wheelhouse', run.records[0]?.wheel.file ?? 'missing');
    const env = JSON.parse(await readZipEntry(whl, 'probe_env/_probe/env.txt')) as Record<string, string>;
    const paths = JSON.parse(await readZipEntry(whl, 'probe_env/_probe/paths.txt')) as Record<string, boolean>;
    const ids = JSON.parse(await readZipEntry(whl, 'probe_env/_probe/ids.txt')) as number[];
    const kernel = await readZipEntry(whl, 'probe_env/_probe/kernel.txt');

    expect(JSON.stringify(env)).not.toContain('planted-secret-4d1f9a');
    expect(Object.keys(env).filter((k) => !k.startsWith('PIP_') && !k.startsWith('PEP517') && !['PYTHONNOUSERSITE', 'PYTHONPATH', '_PYPROJECT_HOOKS_BUILD_BACKEND', 'PYTHONHASHSEED'].includes(k))).toEqual(
      expect.arrayContaining(['HOME', 'LC_ALL', 'PATH', 'SOURCE_DATE_EPOCH', 'TZ']),
    );
    expect(env.SOURCE_DATE_EPOCH).toBe('1700000000');
    expect(env.TZ).toBe('UTC');
    expect(env.PYTHONHASHSEED).toBe('0');
    expect(Object.entries(paths).filter(([, exists]) => exists)).toEqual([]);
    expect(ids).toEqual([1000, 1000, 1000]);
    expectKernel(kernel);
  });

  // How each bomb may end. Under runc a fork bomb's forks fail at the pids limit and it spins until the
  // wall clock (or the memory limit) stops it. Under runsc the pids limit also counts gVisor's own host
  // threads (an idle sandbox takes about 40), so the sandbox's kernel cannot start a thread and dies
  // with the Go runtime's exit status 2, unless the memory limit kills it first; either way within seconds.
  // The memory bomb gets a longer wall clock: it must end by the memory limit, and on a loaded machine
  // a gVisor sandbox once took more than 15 s to reach it (CI, with a numpy build beside it).
  it.each([
    ['fork bomb', 'probe-fork', 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n', { runc: ['timeout', 'out of memory'], runsc: ['out of memory', 'exit 2'] }, 15_000],
    ['memory bomb', 'probe-mem', 'blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 1024 * 1024))\n', { runc: ['out of memory'], runsc: ['out of memory'] }, 40_000],
    ['endless sleep', 'probe-sleep', 'import time\ntime.sleep(10**6)\n', { runc: ['timeout'], runsc: ['timeout'] }, 15_000],
  ] as const)('a %s fails within bounds with a clear error and leaves no container', async (_label, name, hook, endings, timeoutMs) => {
    const dir = await tempDir(name);
    const sdist = await writeFixtureSdist(dir, { name, version: '1.0', hook });
    const started = performance.now();

    const run = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true, engine: onRuntime, limits: { timeoutMs, memoryBytes: 256 * 2 ** 20, pids: 128 } });
    const seconds = (performance.now() - started) / 1000;

    expect(run.failures).toHaveLength(1);
    const error = run.failures[0]!.error;
    expect(endings[runtime], `${error.message}\n${String(error.details.logTail ?? '').slice(-600)}`).toContain(ending(error));
    expect(seconds).toBeLessThan(60);
    expect(run.published).toBe(false);
    expect(await leftoverContainers(docker, `${name}==1.0`)).toEqual([]);
  });
});
