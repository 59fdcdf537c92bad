/**
 * Warm no-op: the whole `hbuild build` process on a lock whose every wheel is
 * already in the store (pinned, verified by hash, nothing to build). Median of
 * several runs for a generated 40-package lock and a 1,000-package lock.
 * The 1,000-package store is seeded once by a real cold build (minutes) and kept
 * in $BENCH_CACHE (default /tmp/hbuild-bench-noop) for later runs.
 *
 *   npx vite-node bench/noop.ts
 */
import Docker from 'dockerode';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultRootfs, median, row, timeHbuild } from './common.js';
import { writeGraphLock } from './fixture-graph.js';

const CACHE = process.env.BENCH_CACHE ?? '/tmp/hbuild-bench-noop';
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function seeded(count: number, rootfs: string): Promise<{ lock: string; store: string; out: string }> {
  const dir = join(CACHE, `${count}-${rootfs.slice(7, 19)}`);
  const lock = join(dir, 'src', 'lock.yaml');
  const store = join(dir, 'store');
  const out = join(dir, 'wheelhouse');
  const ready = await stat(join(dir, 'seeded')).then(() => true, () => false);
  if (!ready) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeGraphLock(join(dir, 'src'), count, rootfs);
    console.log(`seeding ${count} packages (a real cold build; once)…`);
    const cold = await timeHbuild(['build', lock, '--store', store, '--out', out, '--jobs', '2', '--record']);
    if (cold.exitCode !== 0) throw new Error(`seeding failed: ${cold.stderr.slice(-2000)}`);
    console.log(`seeded in ${cold.seconds.toFixed(0)} s`);
    await mkdir(join(dir, 'seeded'));
  }
  return { lock, store, out };
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
