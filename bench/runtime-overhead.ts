/**
 * What gVisor costs, runc and runsc side by side in one run, alternating which goes
 * first each round (the machines are noisy):
 *
 * 1. the per-build isolation overhead of bench/isolation-overhead.ts (create, copy in,
 *    start, wait, copy out, remove a hardened container that only touches a file);
 * 2. a cold build of one small fixture sdist (in-tree backend, no build requirements):
 *    the whole `hbuild build` pipeline in this process (fetch, inspect, vet, build, check,
 *    publish, attest), on an engine created with the runtime as `--runtime` creates it,
 *    into a fresh store each time.
 *
 * Prints each median and the runsc/runc ratio. Needs runsc registered (scripts/setup.sh).
 *
 *   npx vite-node bench/runtime-overhead.ts
 */
import Docker from 'dockerode';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createEngine } from '../src/engine/index.js';
import { hasRuntime, registeredRuntimes, runtimeUnavailable, RUNTIMES, type Runtime } from '../src/engine/runtime.js';
import { buildLock } from '../src/pipeline/build-lock.js';
import { fixtureLock, writeFixtureSdist } from '../test/fixtures/pkg.js';
import { defaultRootfs, median } from './common.js';
import { timeIsolationRun } from './isolation-run.js';

const ISOLATION_RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BUILD_RUNS = Number(process.env.BENCH_BUILDS ?? 7);

type Samples = Record<Runtime, number[]>;

/** `rounds` rounds of `measure` under each runtime, the first round a discarded warm-up. */
async function sideBySide(rounds: number, measure: (runtime: Runtime, i: number) => Promise<number>): Promise<Samples> {
  const samples: Samples = { runc: [], runsc: [] };
  for (let i = 0; i < rounds + 1; i++) {
    const order = i % 2 === 0 ? RUNTIMES : [...RUNTIMES].reverse();
    for (const runtime of order) {
      const seconds = await measure(runtime, i);
      if (i > 0) samples[runtime].push(seconds);
    }
  }
  return samples;
}

function report(label: string, samples: Samples): void {
  const runc = median(samples.runc);
  const runsc = median(samples.runsc);
  for (const runtime of RUNTIMES) {
    const s = samples[runtime];
    console.log(`${label}, ${runtime}: median ${median(s).toFixed(3)} s, min ${Math.min(...s).toFixed(3)} s, max ${Math.max(...s).toFixed(3)} s over ${s.length} runs`);
  }
  console.log(`| ${label}, median | runc ${runc.toFixed(2)} s, runsc ${runsc.toFixed(2)} s: ratio ${(runsc / runc).toFixed(1)} |`);
}

/** A throw-away provenance key, so the bench neither uses nor creates the user's own. */
async function writeSigningKey(dir: string): Promise<string> {
  const path = join(dir, 'signing-key.pem');
  const { privateKey } = generateKeyPairSync('ed25519');
  await writeFile(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return path;
}

async function main(): Promise<void> {
  const docker = new Docker();
  const registered = await registeredRuntimes(docker);
  for (const runtime of RUNTIMES) {
    if (!hasRuntime(registered, runtime)) throw runtimeUnavailable(runtime, 'unix:///var/run/docker.sock', registered);
  }
  const { imageId, rootfs } = await defaultRootfs(docker);
  const dir = await mkdtemp(join(tmpdir(), 'hbuild-bench-runtime-'));
  try {
    const isolation = await sideBySide(ISOLATION_RUNS, (runtime, i) => timeIsolationRun(docker, imageId, join(dir, `log-${runtime}-${i}`), runtime));
    report('per-build isolation overhead (create, copy in, start, copy out, remove)', isolation);

    const sdist = await writeFixtureSdist(dir, { name: 'bench-runtime', version: '1.0' });
    const lock = join(dir, 'lock.yaml');
    const signingKey = await writeSigningKey(dir);
    await writeFile(lock, fixtureLock(rootfs, [sdist]));
    const builds = await sideBySide(BUILD_RUNS, async (runtime, i) => {
      const run = join(dir, `build-${runtime}-${i}`);
      const started = performance.now();
      const result = await buildLock({
        lockPath: lock,
        outDir: join(run, 'wheelhouse'),
        storeRoot: join(run, 'store'),
        // The first build pins the wheel; every later one, under either runtime, must reproduce it.
        record: true,
        failFast: true,
        sdistDirs: [],
        signingKey,
        engine: createEngine({}, { runtime }),
        log: pino({ level: 'silent' }),
        emit: () => undefined,
        signal: new AbortController().signal,
      });
      const seconds = (performance.now() - started) / 1000;
      if (result.failures.length > 0) throw result.failures[0]!.error;
      return seconds;
    });
    report('cold build of one fixture sdist, in-process pipeline', builds);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
