/**
 * Per-build isolation overhead: a hardened container that runs `true`, with the
 * same inputs copied in and the same output copied out as a real build
 * (create, copy in, start, wait, copy out, remove). Median of N runs, and the
 * cost of each step.
 *
 *   npx vite-node bench/isolation-overhead.ts
 */
import Docker from 'dockerode';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRootfs, median, row } from './common.js';
import { timeIsolationRun } from './isolation-run.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

async function main(): Promise<void> {
  const docker = new Docker();
  const { imageId } = await defaultRootfs(docker);
  const dir = await mkdtemp(join(tmpdir(), 'hbuild-bench-iso-'));
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const seconds = await timeIsolationRun(docker, imageId, join(dir, `log-${i}`), 'runc');
    if (i > 0) times.push(seconds);
  }
  const m = median(times);
  console.log(`isolation overhead over ${RUNS} runs: median ${m.toFixed(3)} s, min ${Math.min(...times).toFixed(3)} s, max ${Math.max(...times).toFixed(3)} s`);
  console.log(row('per-build isolation overhead (create, copy in, start, copy out, remove), median', `${m.toFixed(2)} s`, '≤ 0.3 s', m <= 0.3));
  await rm(dir, { recursive: true, force: true });
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
