/**
 * Cold build of a generated 40-package lock with 2 jobs, against three baselines in one
 * long-lived container that build the same sdists one after another: the sequential
 * floor (each sdist unpacked and its backend's build_wheel called directly by a fresh
 * interpreter: no frontend, no isolation, no container per build), `pip wheel
 * --no-build-isolation` (the floor the real-corpus figure uses, one build at a time), and
 * plain `pip wheel --no-deps` (pip's start-up and build isolation on every build). All four
 * run side by side in this process, in rotating order; ratios of the medians are the figures.
 *
 * Only the baselines' builds are timed, by the container's clock (not its start, nor the
 * untimed set-up); hbuild's figure is the whole process.
 *
 *   npx vite-node bench/cold-build.ts                           # the fixture graph's in-tree toy backend
 *   BENCH_BACKEND=setuptools npx vite-node bench/cold-build.ts  # tiny packages on setuptools, built from its sdist first
 */
import Docker from 'dockerode';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { defaultRootfs, median, row, timeHbuild } from './common.js';
import { writeGraphLock, writeSetuptoolsLock, type GraphLock } from './fixture-graph.js';

const COUNT = Number(process.env.BENCH_PACKAGES ?? 40);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** `toy`: the fixture graph's in-tree backend; `setuptools`: tiny packages on setuptools, built from its sdist first. */
const BACKEND = process.env.BENCH_BACKEND === 'setuptools' ? 'setuptools' : 'toy';
// Baselines in setuptools mode find it installed (untimed) in /build/site.
const SITE = BACKEND === 'setuptools' ? 'PYTHONPATH=/build/site ' : '';
const HOOK = BACKEND === 'setuptools' ? 'import setuptools.build_meta as b; b.build_wheel("/build/wheels")' : 'import sys; sys.path.insert(0, "."); import backend; backend.build_wheel("/build/wheels")';

const PIP = (file: string): string => `python3 -m pip wheel -q --no-index --find-links /build/wheels --no-deps --no-cache-dir -w /build/wheels /build/sdists/${file}`;
// The floor the issue gives for the real corpus, one build at a time: pip without build isolation, in one long-lived container
// with every build requirement present (the fixture's in-tree backend imports none of its requirements, so none needs installing).
const NO_ISOLATION = (file: string): string => `${SITE}python3 -m pip wheel -q --no-index --no-deps --no-build-isolation --no-cache-dir -w /build/wheels /build/sdists/${file}`;
const FLOOR = (file: string): string =>
  `d=$(mktemp -d) && tar -xzf /build/sdists/${file} -C "$d" && cd "$d"/* && ${SITE}python3 -c '${HOOK}' >/dev/null && cd / && rm -rf "$d"`;

/**
 * The builds one after another in one long-lived container; only the builds are timed (by the
 * container's own clock, from before the first to after the last), not the container's start
 * nor the untimed set-up (setuptools unpacked into /build/site in setuptools mode).
 */
async function baseline(docker: Docker, imageId: string, graph: GraphLock, step: (file: string) => string, extra: Extra): Promise<number> {
  const script = graph.sdists.map((s) => step(s.file)).join(' && ');
  const setup = extra.wheel ? `python3 -m zipfile -e /build/wheels/${extra.wheel.file} /build/site && ` : '';
  const container = await docker.createContainer({
    Image: imageId,
    Tty: true,
    Cmd: ['/bin/sh', '-c', `umask 022 && ${setup}a=$(date +%s.%N) && ${script} && b=$(date +%s.%N) && echo "timed $a $b"`],
    User: '1000:1000',
    Env: ['HOME=/tmp', 'PIP_CONFIG_FILE=/dev/null', 'PIP_DISABLE_PIP_VERSION_CHECK=1', 'SOURCE_DATE_EPOCH=1700000000'],
    HostConfig: { NetworkMode: 'none', Tmpfs: { '/tmp': 'rw' }, Mounts: [{ Type: 'volume', Source: '', Target: '/build' }] },
  });
  try {
    await container.putArchive(await sdistTar(graph, extra), { path: '/build' });
    await container.start();
    const exit = await container.wait();
    const out = (await container.logs({ stdout: true, stderr: true })).toString();
    if (exit.StatusCode !== 0) throw new Error(`baseline failed with ${exit.StatusCode}: ${out.slice(-1500)}`);
    const [, a, b] = /timed (\d+\.\d+) (\d+\.\d+)/.exec(out) ?? [];
    if (a === undefined || b === undefined) throw new Error(`baseline printed no times: ${out.slice(-500)}`);
    return Number(b) - Number(a);
  } finally {
    await container.remove({ force: true, v: true });
  }
}

/** What a baseline container needs besides the sdists: in setuptools mode, the setuptools wheel hbuild built (its builds need it). */
interface Extra {
  wheel?: { file: string; path: string };
}

async function sdistTar(graph: GraphLock, extra: Extra): Promise<Readable> {
  const archive = pack();
  const owner = { uid: 1000, gid: 1000 };
  // Filled while Docker reads it: a tar stream that nobody drains would stall on backpressure.
  const fill = async (): Promise<void> => {
    archive.entry({ name: 'sdists/', type: 'directory', mode: 0o755, ...owner });
    archive.entry({ name: 'wheels/', type: 'directory', mode: 0o755, ...owner });
    const files = [...graph.sdists.map((s) => ({ name: `sdists/${s.file}`, path: s.path })), ...(extra.wheel ? [{ name: `wheels/${extra.wheel.file}`, path: extra.wheel.path }] : [])];
    if (extra.wheel) archive.entry({ name: 'site/', type: 'directory', mode: 0o755, ...owner });
    for (const f of files) {
      const size = (await stat(f.path)).size;
      await new Promise<void>((ok, fail) => createReadStream(f.path).pipe(archive.entry({ name: f.name, size, mode: 0o644, ...owner }, (e) => (e ? fail(e) : ok()))));
    }
    archive.finalize();
  };
  fill().catch((err: unknown) => archive.destroy(err as Error));
  return archive as unknown as Readable;
}

/** The setuptools wheel of the lock's own pin, built once by hbuild beforehand (untimed): the baselines' setuptools. */
async function setuptoolsWheel(graph: GraphLock, dir: string): Promise<{ file: string; path: string }> {
  const out = join(dir, 'setuptools-wheelhouse');
  const r = await timeHbuild(['build', graph.lockPath, '--only', 'setuptools', '--store', join(dir, 'setuptools-store'), '--out', out]);
  if (r.exitCode !== 0) throw new Error(`building setuptools failed: ${r.stderr.slice(-2000)}`);
  const file = (await readdir(out)).find((f) => f.startsWith('setuptools-') && f.endsWith('.whl'));
  if (!file) throw new Error('no setuptools wheel');
  return { file, path: join(out, file) };
}

async function main(): Promise<void> {
  const docker = new Docker();
  const { rootfs, imageId } = await defaultRootfs(docker);
  const dir = await mkdtemp(join(tmpdir(), 'hbuild-bench-cold-'));
  const write = (): Promise<GraphLock> => (BACKEND === 'setuptools' ? writeSetuptoolsLock(join(dir, 'src'), COUNT, rootfs) : writeGraphLock(join(dir, 'src'), COUNT, rootfs));
  const graph = await write();
  const extra = BACKEND === 'setuptools' ? { wheel: await setuptoolsWheel(graph, dir) } : {};
  const hbuildTimes: number[] = [];
  const pipTimes: number[] = [];
  const floorTimes: number[] = [];
  const noIsolationTimes: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const runHbuild = async (): Promise<void> => {
      const store = join(dir, `store-${round}`);
      const r = await timeHbuild(['build', graph.lockPath, '--store', store, '--out', join(dir, `wh-${round}`), '--jobs', '2', '--record']);
      if (r.exitCode !== 0) throw new Error(`hbuild failed: ${r.stderr.slice(-2000)}`);
      hbuildTimes.push(r.seconds);
      await rm(store, { recursive: true, force: true });
    };
    const runPip = async (): Promise<void> => {
      pipTimes.push(await baseline(docker, imageId, graph, PIP, extra));
    };
    const runFloor = async (): Promise<void> => {
      floorTimes.push(await baseline(docker, imageId, graph, FLOOR, extra));
    };
    const runNoIsolation = async (): Promise<void> => {
      noIsolationTimes.push(await baseline(docker, imageId, graph, NO_ISOLATION, extra));
    };
    const order = [runHbuild, runFloor, runPip, runNoIsolation];
    for (let i = 0; i < order.length; i++) await order[(i + round) % order.length]!();
    // The lock now carries recorded pins; restore it so every round is cold and unpinned.
    await write();
  }
  const h = median(hbuildTimes);
  const p = median(pipTimes);
  const f = median(floorTimes);
  const n = median(noIsolationTimes);
  const list = (times: number[]): string => times.map((t) => t.toFixed(1)).join('/');
  console.log(`cold build, ${COUNT} packages (${BACKEND} backend): hbuild --jobs 2 ${list(hbuildTimes)} s, sequential floor ${list(floorTimes)} s, sequential pip wheel --no-build-isolation ${list(noIsolationTimes)} s, sequential pip wheel ${list(pipTimes)} s`);
  console.log(row(`cold build of a ${COUNT}-package lock (${BACKEND} backend), 2 jobs, vs the sequential floor (hooks called directly in one container)`, `${h.toFixed(1)} s vs ${f.toFixed(1)} s = ratio ${(h / f).toFixed(2)}`, '≤ 0.75', h / f <= 0.75));
  console.log(row(`the same, vs sequential pip wheel --no-build-isolation in one container (the real corpus's floor, one at a time)`, `${h.toFixed(1)} s vs ${n.toFixed(1)} s = ratio ${(h / n).toFixed(2)}`, '≤ 0.75', h / n <= 0.75));
  console.log(row(`the same, vs sequential pip wheel in one container`, `${h.toFixed(1)} s vs ${p.toFixed(1)} s = ratio ${(h / p).toFixed(2)}`, 'none', true));
  await rm(dir, { recursive: true, force: true });
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
