import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HbuildEvent } from '../../src/core/events.js';
import { createEnginePool } from '../../src/pool/index.js';
import { defaultStoreRoot } from '../../src/store/store.js';
import { fixtureLock, writeFixtureSdist, type FixtureSdist } from '../fixtures/pkg.js';
import { TestEngine, unmountUnder } from '../helpers/dockerd.js';
import { BIN, jsonLines, ROOT } from '../helpers/spawn.js';
import { useTempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { builderRootfs, engine as hostEngine } from './harness.js';

// Addresses from 198.18.0.0/15 (reserved for network tests), only ever inside the namespaces this test creates.
const CLIENT_IP = '198.18.16.1';
const ENGINE_IP = '198.18.16.2';
const TLS_PORT = 2376;
const PACKAGES = 6;

/**
 * Three real engines, each in a network namespace of its own: `tcp` is reached over TCP
 * with TLS client certificates from a client namespace joined to it by a veth pair (hbuild
 * runs there), `b` and `c` over their unix sockets. None starts with the builder image:
 * the pool's checks load it from the kept rootfs archive.
 */
describe('a pool of engines', () => {
  const work = useTempDir('pool', { per: 'suite' });
  const tag = `hbt${process.pid}`;
  const ns = { client: `${tag}-cl`, tcp: `${tag}-a`, b: `${tag}-b`, c: `${tag}-c` };
  let engines: { tcp: TestEngine; b: TestEngine; c: TestEngine };
  let rootfs: string;
  let lockPath: string;
  let sdistDir: string;
  let keyPath: string;
  let certs: string;
  let baseline: Map<string, string>;

  const ip = (...args: string[]) => execa('ip', args);
  const poolFlags = (): string[] => [
    '--engine', `tcp://${ENGINE_IP}:${TLS_PORT},slots=1,certs=${certs}`,
    '--engine', `${engines.b.host},slots=1`,
    '--engine', `${engines.c.host},slots=1`,
    '--images', join(ROOT, 'images'),
    '--image-archives', join(defaultStoreRoot(), '..', 'images'),
  ];
  /** `hbuild build` in the client namespace, from which the TCP engine is reachable. */
  const build = (name: string, flags: string[]) =>
    execa('nsenter', [`--net=/run/netns/${ns.client}`, 'node', BIN, 'build', lockPath, '--store', join(work.path, name, 'store'), '--out', join(work.path, name, 'wh'),
      '--sdist-dir', sdistDir, '--signing-key', keyPath, '--min-age', '0', '--json', ...flags], { reject: false, stdin: 'ignore' });

  beforeAll(async () => {
    const root = work.path;
    rootfs = await builderRootfs(await hostEngine());
    for (const name of Object.values(ns)) {
      await ip('netns', 'add', name);
      await ip('-n', name, 'link', 'set', 'lo', 'up');
    }
    await ip('link', 'add', 'hbt-cl', 'netns', ns.client, 'type', 'veth', 'peer', 'name', 'hbt-a', 'netns', ns.tcp);
    await ip('-n', ns.client, 'addr', 'add', `${CLIENT_IP}/30`, 'dev', 'hbt-cl');
    await ip('-n', ns.tcp, 'addr', 'add', `${ENGINE_IP}/30`, 'dev', 'hbt-a');
    await ip('-n', ns.client, 'link', 'set', 'hbt-cl', 'up');
    await ip('-n', ns.tcp, 'link', 'set', 'hbt-a', 'up');

    certs = join(root, 'certs');
    await makeCertificates(certs, ENGINE_IP);
    keyPath = join(root, 'signing-key.pem');
    await execa('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', keyPath]);
    await chmod(keyPath, 0o600);

    engines = {
      tcp: new TestEngine(join(root, 'engine-a'), { netns: ns.tcp, tcp: { address: `${ENGINE_IP}:${TLS_PORT}`, certs } }),
      b: new TestEngine(join(root, 'engine-b'), { netns: ns.b }),
      c: new TestEngine(join(root, 'engine-c'), { netns: ns.c }),
    };
    await Promise.all(Object.values(engines).map((e) => e.start()));

    sdistDir = join(root, 'sdists');
    await mkdir(sdistDir);
    const sdists: FixtureSdist[] = [];
    for (let i = 0; i < PACKAGES; i++) {
      // Each build takes a few seconds, so that builds overlap and one can be caught mid-run.
      sdists.push(await writeFixtureSdist(sdistDir, { name: `fx-pool-${i}`, version: '1.0', hook: 'import time\ntime.sleep(4)\n' }));
    }
    lockPath = join(root, 'lock.yaml');
    await writeFile(lockPath, fixtureLock(rootfs, sdists));

    // The reference: the same lock on this machine's one engine, once to record the wheel pins, once more from an empty store.
    const onHost = (name: string, flags: string[] = []) =>
      execa('node', [BIN, 'build', lockPath, '--store', join(root, name, 'store'), '--out', join(root, name, 'wh'), '--sdist-dir', sdistDir, '--signing-key', keyPath, '--min-age', '0', ...flags], {
        reject: false,
        stdin: 'ignore',
      });
    const recorded = await onHost('record', ['--record']);
    expect(recorded.exitCode, recorded.stderr).toBe(0);
    const single = await onHost('single');
    expect(single.exitCode, single.stderr).toBe(0);
    baseline = await digests(join(root, 'single', 'wh'));
  }, 900_000);

  afterAll(async () => {
    for (const e of Object.values(engines ?? {})) await e.kill();
    for (const name of Object.values(ns)) await execa('ip', ['netns', 'delete', name], { reject: false });
    await unmountUnder(work.path);
  }, 120_000);

  it('checks every engine, loads the builder image where it is missing, and spreads one run over all three: the same wheelhouse, byte for byte', async () => {
    const before = await engines.b.docker(['images', '-q']);

    const run = await build('spread', poolFlags());

    expect(run.exitCode, run.stderr).toBe(0);
    expect(before.stdout.trim()).toBe('');
    for (const e of Object.values(engines)) expect((await e.docker(['images', '-q', '--filter', `label=org.hbuild.rootfs=${rootfs}`])).stdout.trim()).not.toBe('');
    const events = jsonLines<HbuildEvent>(run.stdout);
    const builtOn = new Set(events.flatMap((e) => (e.type === 'package' && e.stage === 'build' && e.status === 'done' && e.engine ? [e.engine] : [])));
    expect([...builtOn].sort()).toEqual([`tcp://${ENGINE_IP}:${TLS_PORT}`, engines.b.host, engines.c.host].sort());
    const startedOn = new Set(events.flatMap((e) => (e.type === 'package' && e.stage === 'build' && e.status === 'running' && e.engine ? [e.engine] : [])));
    expect(startedOn).toEqual(builtOn);
    expect(await digests(join(work.path, 'spread', 'wh'))).toEqual(baseline);
  });

  it('hbuild engines shows each engine\'s checks, API version and slots, and names an engine that fails and why', async () => {
    const missing = join(work.path, 'no-such-engine.sock');

    const run = await execa('nsenter', [`--net=/run/netns/${ns.client}`, 'node', BIN, 'engines', '--json', '--lock', lockPath, '--store', join(work.path, 'engines-store'), ...poolFlags(), '--engine', `unix://${missing}`], {
      reject: false,
      stdin: 'ignore',
    });

    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { engines: Array<{ engine: string; health: string; apiVersion?: string; slots: number; reason?: string }> };
    expect(report.engines.map((e) => [e.engine, e.health, e.slots])).toEqual([
      [`tcp://${ENGINE_IP}:${TLS_PORT}`, 'ok', 1],
      [engines.b.host, 'ok', 1],
      [engines.c.host, 'ok', 1],
      [`unix://${missing}`, 'down', 1],
    ]);
    expect(report.engines[0]?.apiVersion).toMatch(/^1\.\d+$/);
    expect(report.engines[3]?.reason).toBe(`no Docker engine answers at unix://${missing}`);
  });

  it('a pool with no usable engine fails the run with exit 6, naming each engine and why', async () => {
    const missing = join(work.path, 'no-such-engine.sock');

    const run = await build('none', ['--engine', `unix://${missing}`, '--images', join(ROOT, 'images')]);

    expect(run.exitCode).toBe(6);
    expect(run.stdout).toContain(`engine unix://${missing} left out of the pool: no Docker engine answers at unix://${missing}`);
    expect(run.stderr).toContain(`no engine of the pool can build: unix://${missing}: no Docker engine answers at unix://${missing}`);
  });

  it('an engine killed mid-run loses no build: its builds finish on the others and the wheelhouse is the same', async () => {
    const run = build('killed', poolFlags());
    await waitFor(async () => (await engines.b.docker(['ps', '-q', '--filter', 'label=org.hbuild.package'])).stdout.trim() !== '', 300_000, 200);

    await engines.b.kill();
    const result = await run;

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`engine ${engines.b.host} left out of the pool`);
    const events = jsonLines<HbuildEvent>(result.stdout);
    const done = events.filter((e) => e.type === 'package' && e.stage === 'check' && e.status === 'done');
    expect(done).toHaveLength(PACKAGES);
    // The build caught on the killed engine ran again on another, and was published once.
    const moved = done.filter((d) => d.type === 'package' && d.engine !== engines.b.host && events.some((e) => e.type === 'package' && e.name === d.name && e.status === 'running' && e.engine === engines.b.host));
    expect(moved.length).toBeGreaterThanOrEqual(1);
    expect(await digests(join(work.path, 'killed', 'wh'))).toEqual(baseline);
  });

  it('an engine that answers again rejoins the pool at the next re-check', async () => {
    const warnings: string[] = [];
    const pool = createEnginePool({
      members: [
        { name: engines.b.host, address: { host: engines.b.host }, slots: 1 },
        { name: engines.c.host, address: { host: engines.c.host }, slots: 1 },
      ],
      recheckMs: 500,
      attempts: 3,
      archives: { imagesDir: join(ROOT, 'images'), rootfsDir: join(defaultStoreRoot(), '..', 'images') },
      log: pino({ level: 'silent' }),
      warn: (message) => warnings.push(message),
    });
    try {
      const down = await pool.check({ image: 'default', rootfs });
      expect(down.map((s) => [s.engine, s.health])).toEqual([[engines.b.host, 'down'], [engines.c.host, 'ok']]);

      await engines.b.start();
      await waitFor(async () => pool.stats()[0]?.health === 'ok', 120_000, 250);

      expect(warnings).toContain(`engine ${engines.b.host} rejoined the pool`);
    } finally {
      pool.close();
    }
  });
});

/** A CA, a server certificate for `ip`, and a client certificate (ca.pem, cert.pem, key.pem: DOCKER_CERT_PATH's names). */
async function makeCertificates(dir: string, ip: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const ssl = (...args: string[]) => execa('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await ssl('req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=hbuild test CA');
  await writeFile(join(dir, 'server.ext'), `subjectAltName=IP:${ip}\nextendedKeyUsage=serverAuth\n`);
  await writeFile(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  await ssl('req', ...ec, '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=engine');
  await ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'server-cert.pem', '-days', '2', '-extfile', 'server.ext');
  await ssl('req', ...ec, '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=hbuild');
  await ssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'cert.pem', '-days', '2', '-extfile', 'client.ext');
}

/**
 * sha256 of every file of a wheelhouse, by relative path. Two fields differ between any two
 * runs, on one engine too, and are left out of manifest.json and the provenance statements
 * before hashing: each package's timings, and the digest of its build log (pip names its
 * temporary directory at random). Everything else, every wheel and signature-free byte, must match.
 */
async function digests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const name = relative(dir, path);
    const bytes = await readFile(path);
    out.set(name, createHash('sha256').update(runInvariant(name, bytes)).digest('hex'));
  }
  return new Map([...out].sort());
}

function runInvariant(name: string, bytes: Buffer): Buffer | string {
  if (name === 'manifest.json') {
    const manifest = JSON.parse(bytes.toString('utf8')) as { packages: Array<{ timings?: unknown; log: { sha256?: string } }> };
    for (const pkg of manifest.packages) {
      delete pkg.timings;
      delete pkg.log.sha256;
    }
    return JSON.stringify(manifest);
  }
  if (name.startsWith('attestations/') && name.endsWith('.whl.intoto.jsonl')) {
    const statements = bytes.toString('utf8').split('\n').filter(Boolean).map((line) => {
      const statement = JSON.parse(Buffer.from((JSON.parse(line) as { payload: string }).payload, 'base64').toString('utf8'));
      for (const product of statement.predicate.runDetails.byproducts) if (product.uri === 'urn:hbuild:build-log') delete product.digest;
      return statement;
    });
    return JSON.stringify(statements);
  }
  return bytes;
}
