/**
 * Warm no-op: the whole `hbuild build` process on a lock whose every wheel is
 * already in the store (pinned, verified by hash, nothing to build). Median of
 * several runs for a generated 40-package lock and a 1,000-package lock.
 * The 40-package store is seeded by a real cold build. The 1,000-package store is
 * seeded directly (a real cold build of 1,000 containers takes half an hour on two
 * cores): the bench writes each sdist into the store, inspects it, writes a
 * fixture wheel and the build record under the input digest computed by hbuild's
 * own describeBuild/inputDigest, and pins those wheels in the lock. The timed runs
 * are the unmodified CLI; a seeded record that did not match what the CLI computes
 * would show up as a (slow) rebuild. Seeds are kept in $BENCH_CACHE
 * (default /tmp/hbuild-bench-noop) for later runs.
 *
 *   npx vite-node bench/noop.ts
 */
import Docker from 'dockerode';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultRootfs, median, row, timeHbuild } from './common.js';
import { writeGraphLock, type GraphLock } from './fixture-graph.js';
import { Readable } from 'node:stream';
import { basename } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { DEFAULT_LIMITS } from '../src/engine/container-limits.js';
import { createEngine } from '../src/engine/index.js';
import { BUILD_PROTOCOL } from '../src/builder/container-command.js';
import { ensureBuildEnv, type BuildEnvMemo } from '../src/builder/build-env.js';
import { describeBuild } from '../src/builder/describe-build.js';
import { inputDigest } from '../src/builder/input-digest.js';
import { inspectCached } from '../src/inspect/inspect-cached.js';
import { openStore } from '../src/store/store.js';
import { fixtureLock } from '../test/fixtures/pkg.js';
import { writeWheel } from '../test/fixtures/wheel.js';

const CACHE = process.env.BENCH_CACHE ?? '/tmp/hbuild-bench-noop';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function seeded(count: number, rootfs: string): Promise<{ lock: string; store: string; out: string }> {
  const dir = join(CACHE, `${count}-${rootfs.slice(7, 19)}-${BUILD_PROTOCOL.replace(/\W/g, '')}`);
  const lock = join(dir, 'src', 'lock.yaml');
  const store = join(dir, 'store');
  const out = join(dir, 'wheelhouse');
  const ready = await stat(join(dir, 'seeded')).then(() => true, () => false);
  if (!ready) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const graph = await writeGraphLock(join(dir, 'src'), count, rootfs);
    if (count <= 100) {
      console.log(`seeding ${count} packages with a real cold build…`);
      const cold = await timeHbuild(['build', lock, '--store', store, '--out', out, '--jobs', '2', '--record']);
      if (cold.exitCode !== 0) throw new Error(`seeding failed: ${cold.stderr.slice(-2000)}`);
    } else {
      console.log(`seeding ${count} packages directly into the store…`);
      await seedDirectly(graph, store, rootfs, lock);
    }
    // One untimed run publishes the wheelhouse; the timed runs are then true no-ops.
    const first = await timeHbuild(['build', lock, '--store', store, '--out', out]);
    if (first.exitCode !== 0) throw new Error(`first warm run failed: ${first.stderr.slice(-2000)}`);
    await mkdir(join(dir, 'seeded'));
  }
  return { lock, store, out };
}

async function seedDirectly(graph: GraphLock, storeRoot: string, rootfs: string, lockPath: string): Promise<void> {
  const store = await openStore(storeRoot);
  const imageId = (await defaultRootfs(new Docker())).imageId;
  const wheels = new Map<string, { name: string; wheel: { file: string; sha256: string; size: number } }>();
  const scratch = await store.scratchDir('bench-seed');
  const log = await store.putStream('logs', Readable.from([Buffer.from('seeded by bench/noop.ts\n')]));
  const envs: BuildEnvMemo = new Map();
  // Environments keyed and byte-compiled as `hbuild build` makes them (untimed; one container per distinct set).
  const engine = createEngine();
  const compiler = { rootfs, connect: async () => ({ engine, imageId }), limits: DEFAULT_LIMITS };
  const pinned: Array<GraphLock['sdists'][number] & { wheelFile: string; wheelSha256: string }> = [];
  for (const sdist of graph.sdists) {
    const fetched = await store.putFile('sources', sdist.path, { expected: sdist.sha256 });
    const inspected = await inspectCached(store, store.blobPath('sources', fetched.sha256), fetched.sha256, { name: sdist.name, version: sdist.version });
    const deps = sdist.buildRequires.map((name) => wheels.get(name)).filter((d) => d !== undefined);
    const env = await ensureBuildEnv(store, deps.map((d) => d.wheel), compiler, envs);
    const frame = { limits: DEFAULT_LIMITS, sourceDateEpoch: 1700000000, builderRootfs: rootfs };
    const { inputs } = describeBuild(frame, { fetched, inspected, recipe: null }, deps.map((d) => ({ name: d.name, sha256: d.wheel.sha256 })), env);
    const built = await writeWheel(scratch, { name: sdist.name, version: sdist.version });
    const file = basename(built.path);
    const put = await store.putFile('wheels', built.path, { expected: built.sha256 });
    const wheel = { file, sha256: built.sha256, size: put.size };
    const digest = inputDigest(inputs);
    await store.writeAction(digest, { inputDigest: digest, wheel, log: { sha256: log.sha256, droppedBytes: 0 }, treeDigest: inspected.treeDigest, builderImageId: imageId, buildEnv: { sha256: env.sha256 }, seconds: 0 });
    wheels.set(sdist.name, { name: sdist.name, wheel });
    pinned.push({ ...sdist, wheelFile: file, wheelSha256: built.sha256 });
  }
  await writeFile(lockPath, fixtureLock(rootfs, pinned));
  await rm(scratch, { recursive: true, force: true });
}

async function warm(count: number, rootfs: string): Promise<number> {
  const { lock, store, out } = await seeded(count, rootfs);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await timeHbuild(['build', lock, '--store', store, '--out', out]);
    if (run.exitCode !== 0) throw new Error(`warm run failed: ${run.stderr.slice(-2000)}`);
    times.push(run.seconds);
  }
  console.log(`warm no-op, ${count} packages: ${times.map((t) => t.toFixed(2)).join(' ')} s`);
  return median(times);
}

async function main(): Promise<void> {
  const { rootfs } = await defaultRootfs(new Docker());
  const small = await warm(40, rootfs);
  const counts = (process.env.BENCH_LARGE ?? '1000') === '0' ? [] : [Number(process.env.BENCH_LARGE ?? 1000)];
  const rows = [row('warm no-op, 40-package lock, whole process', `${small.toFixed(2)} s`, '≤ 0.5 s', small <= 0.5)];
  for (const count of counts) {
    const large = await warm(count, rootfs);
    rows.push(row(`warm no-op, ${count}-package lock, whole process`, `${large.toFixed(2)} s`, '≤ 2 s', large <= 2));
  }
  console.log(rows.join('\n'));
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
