/**
 * Per-build overhead of a real build — container, build environment and frontend — with the
 * backend's own work taken out: a fixture sdist (in-tree backend, three build-requirement
 * wheels installed into its environment) built N times through buildPackage, exactly as
 * `hbuild build` runs it; each build's wall time minus the seconds its frontend reports for
 * importing the backend and running its hooks. Median of N, after one warm-up. Alternating
 * with each build, the bare isolation run of bench/isolation-run.ts (a container that only
 * touches a file), so that on a loaded machine the environment's and frontend's share can
 * be told from the container's.
 *
 *   npx vite-node bench/build-overhead.ts
 */
import Docker from 'dockerode';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuildEnv, verifiedBuildEnv } from '../src/builder/build-env.js';
import { buildPackage } from '../src/builder/build-package.js';
import { createEngine } from '../src/engine/index.js';
import { DEFAULT_LIMITS } from '../src/engine/container-limits.js';
import { openStore } from '../src/store/store.js';
import { writeWheel } from '../test/fixtures/wheel.js';
import { writeFixtureSdist } from '../test/fixtures/pkg.js';
import { defaultRootfs, median, row } from './common.js';
import { timeIsolationRun } from './isolation-run.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

/** Seconds the frontend spent in the backend: its import and its hooks, from its own log lines (written only under HBUILD_FRONTEND_TIMINGS=1, which this bench sets). */
function backendSeconds(log: string): number {
  let total = 0;
  for (const match of log.matchAll(/^hbuild-frontend: (?:backend \S+ imported|get_requires_for_build_wheel|build_wheel) in ([0-9.]+) s/gm)) total += Number(match[1]);
  return total;
}

async function main(): Promise<void> {
  const { imageId } = await defaultRootfs(new Docker());
  const dir = await mkdtemp(join(tmpdir(), 'hbuild-bench-overhead-'));
  const store = await openStore(join(dir, 'store'));
  const wheels = [];
  for (const name of ['dep-a', 'dep-b', 'dep-c']) {
    const made = await writeWheel(dir, { name, version: '1.0' });
    await store.putFile('wheels', made.path);
    wheels.push({ file: `${name.replace(/-/g, '_')}-1.0-py3-none-any.whl`, sha256: made.sha256 });
  }
  const sdist = await writeFixtureSdist(dir, { name: 'overhead-probe', version: '1.0', requires: ['dep-a', 'dep-b', 'dep-c'] });
  const env = await ensureBuildEnv(store, wheels);
  const engine = createEngine();
  const totals: number[] = [];
  const overheads: number[] = [];
  const bare: number[] = [];
  const docker = new Docker();
  for (let i = 0; i < RUNS + 1; i++) {
    const outDir = join(dir, `out-${i}`);
    const logPath = join(dir, `log-${i}`);
    const started = performance.now();
    const envPath = await verifiedBuildEnv(store, env, wheels, () => undefined);
    await mkdir(outDir);
    await buildPackage(
      engine,
      { name: sdist.name, version: sdist.version, sdistPath: sdist.path, buildEnv: { path: envPath, sha256: env.sha256 }, imageId, sourceDateEpoch: 1700000000, env: { HBUILD_FRONTEND_TIMINGS: '1' }, limits: DEFAULT_LIMITS, outDir, logPath },
      new AbortController().signal,
    );
    const total = (performance.now() - started) / 1000;
    const backend = backendSeconds(await readFile(logPath, 'utf8'));
    const isolation = await timeIsolationRun(docker, imageId, join(dir, `bare-${i}`), 'runc');
    if (i === 0) continue;
    bare.push(isolation);
    totals.push(total);
    overheads.push(total - backend);
  }
  const m = median(overheads);
  console.log(`build of one fixture sdist over ${RUNS} runs: median ${median(totals).toFixed(3)} s in all, of which ${(median(totals) - m).toFixed(3)} s backend; overhead median ${m.toFixed(3)} s, min ${Math.min(...overheads).toFixed(3)} s, max ${Math.max(...overheads).toFixed(3)} s`);
  const b = median(bare);
  console.log(`bare isolation run alternating with them: median ${b.toFixed(3)} s; environment and frontend on top of it: ${(m - b).toFixed(3)} s`);
  console.log(row('per-build overhead: container, build environment and frontend, without the backend\'s own work; median', `${m.toFixed(2)} s (bare container ${b.toFixed(2)} s)`, '≤ 0.25 s', m <= 0.25));
  await rm(dir, { recursive: true, force: true });
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
