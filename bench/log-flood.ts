/**
 * Peak RSS of the hbuild process during a cold build in which one package floods
 * 2 GiB of build log, next to the same cold build without the flood.
 * Peak RSS is the kernel's count for the process (GNU time's %M).
 *
 *   npx vite-node bench/log-flood.ts
 */
import Docker from 'dockerode';
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, defaultRootfs, row } from './common.js';
import { writeGraphLock } from './fixture-graph.js';

const FLOOD_MIB = Number(process.env.BENCH_FLOOD_MIB ?? 2048);
const COUNT = Number(process.env.BENCH_PACKAGES ?? 10);

/** Prints to the build's own stdout from inside the backend, as a build tool printing without end would. */
const flood = `
import os
chunk = (b"x" * 1023 + b"\\n") * 1024
for _ in range(${FLOOD_MIB}):
    os.write(1, chunk)
`;

async function peakRss(lock: string, dir: string, label: string): Promise<{ mib: number; seconds: number }> {
  const started = performance.now();
  const run = await execa('/usr/bin/time', ['-f', '%M', 'node', BIN, 'build', lock, '--store', join(dir, `store-${label}`), '--out', join(dir, `wh-${label}`), '--jobs', '2', '--record'], {
    reject: false,
    stdin: 'ignore',
  });
  // The flooding build must run to its own end: a build killed by its memory limit would fail the run.
  if (run.exitCode !== 0) throw new Error(`hbuild failed: ${run.stderr.slice(-2000)}`);
  const kib = Number(run.stderr.trim().split('\n').at(-1));
  return { mib: kib / 1024, seconds: (performance.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const { rootfs } = await defaultRootfs(new Docker());
  const dir = await mkdtemp(join(tmpdir(), 'hbuild-bench-flood-'));
  const quiet = await writeGraphLock(join(dir, 'quiet'), COUNT, rootfs);
  const noisy = await writeGraphLock(join(dir, 'noisy'), COUNT, rootfs, { hook: (i) => (i === 3 ? flood : undefined) });
  const q = await peakRss(quiet.lockPath, dir, 'quiet');
  const n = await peakRss(noisy.lockPath, dir, 'noisy');
  console.log(`cold build of ${COUNT} packages: peak RSS ${q.mib.toFixed(0)} MiB (${q.seconds.toFixed(1)} s) without a flood, ${n.mib.toFixed(0)} MiB (${n.seconds.toFixed(1)} s) with one package writing ${FLOOD_MIB} MiB of log`);
  console.log(row(`peak RSS during a cold build with a ${FLOOD_MIB} MiB log flood`, `${n.mib.toFixed(0)} MiB (without flood: ${q.mib.toFixed(0)} MiB)`, '≤ 150 MB', n.mib * 1.048576 <= 150));
  await rm(dir, { recursive: true, force: true });
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
