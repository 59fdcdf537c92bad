import type Docker from 'dockerode';
import { createServer, type Server } from 'node:net';
import { createSocket, type Socket } from 'node:dgram';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runInContainer } from '../../src/engine/container.js';
import { DEFAULT_LIMITS } from '../../src/engine/container-limits.js';
import { resolveBuilderImage } from '../../src/engine/image-resolve.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { readZipEntry } from '../fixtures/zip-read.js';
import { tempDir } from '../helpers/tmp.js';
import { buildInDir, builderRootfs, engine, leftoverContainers } from './harness.js';

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

describe('build isolation against the real engine', () => {
  let docker: Docker;
  let rootfs: string;
  let tcp: Server;
  let udp: Socket;
  const received: string[] = [];

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

  const ports = (): [number, number] => [(tcp.address() as { port: number }).port, udp.address().port];

  it('a build reaches no loopback listener and resolves no name, while the control run without isolation does reach it', async () => {
    const dir = await tempDir('net');
    const sdist = await writeFixtureSdist(dir, { name: 'probe-net', version: '1.0', hook: networkProbe(...ports()) });
    received.length = 0;

    const run = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true });
    expect(run.failures.map((f) => [f.error.message, f.error.details.logTail])).toEqual([]);
    const wheel = run.records[0]?.wheel;
    const seen = JSON.parse(await readZipEntry(join(dir, 'wheelhouse', wheel?.file ?? 'missing'), 'probe_net/_probe/net.txt')) as Record<string, unknown>;
    const isolatedReceived = [...received];

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
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect(run.failures).toEqual([]);
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
`;
    const sdist = await writeFixtureSdist(dir, { name: 'probe-env', version: '1.0', hook });

    const run = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true });
    delete process.env.HBUILD_TEST_SECRET;
    expect(run.failures.map((f) => [f.error.message, f.error.details.logTail])).toEqual([]);
    const whl = join(dir, 'wheelhouse', run.records[0]?.wheel.file ?? 'missing');
    const env = JSON.parse(await readZipEntry(whl, 'probe_env/_probe/env.txt')) as Record<string, string>;
    const paths = JSON.parse(await readZipEntry(whl, 'probe_env/_probe/paths.txt')) as Record<string, boolean>;
    const ids = JSON.parse(await readZipEntry(whl, 'probe_env/_probe/ids.txt')) as number[];

    expect(JSON.stringify(env)).not.toContain('planted-secret-4d1f9a');
    expect(Object.keys(env).filter((k) => !k.startsWith('PIP_') && !k.startsWith('PEP517') && !['PYTHONNOUSERSITE', 'PYTHONPATH', '_PYPROJECT_HOOKS_BUILD_BACKEND', 'PYTHONHASHSEED'].includes(k))).toEqual(
      expect.arrayContaining(['HOME', 'LC_ALL', 'PATH', 'SOURCE_DATE_EPOCH', 'TZ']),
    );
    expect(env.SOURCE_DATE_EPOCH).toBe('1700000000');
    expect(env.TZ).toBe('UTC');
    expect(env.PYTHONHASHSEED).toBe('0');
    expect(Object.entries(paths).filter(([, exists]) => exists)).toEqual([]);
    expect(ids).toEqual([1000, 1000, 1000]);
  });

  it.each([
    ['fork bomb', 'probe-fork', 'import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n', /ERR_BUILD_TIMEOUT|ERR_BUILD_FAILED/],
    ['memory bomb', 'probe-mem', 'blocks = []\nwhile True:\n    blocks.append(bytearray(64 * 1024 * 1024))\n', /ERR_BUILD_FAILED/],
    ['endless sleep', 'probe-sleep', 'import time\ntime.sleep(10**6)\n', /ERR_BUILD_TIMEOUT/],
  ])('a %s fails within bounds with a clear error and leaves no container', async (_label, name, hook, code) => {
    const dir = await tempDir(name);
    const sdist = await writeFixtureSdist(dir, { name, version: '1.0', hook });
    const started = performance.now();

    const run = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true, limits: { timeoutMs: 15_000, memoryBytes: 256 * 2 ** 20, pids: 128 } });
    const seconds = (performance.now() - started) / 1000;

    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]?.error.code).toMatch(code);
    expect(run.failures[0]?.error.message).toMatch(/out of memory|wall-clock limit|exited with status/);
    expect(seconds).toBeLessThan(60);
    expect(run.published).toBe(false);
    expect(await leftoverContainers(docker, `${name}==1.0`)).toEqual([]);
  });
});
