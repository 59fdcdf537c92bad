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
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { runInContainer } from '../src/engine/container.js';
import { DEFAULT_LIMITS } from '../src/engine/container-limits.js';
import { defaultRootfs, median, row } from './common.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);

function scaffold(): Readable {
  const archive = pack();
  for (const name of ['home/', 'out/', 'wheels/', 'src/']) archive.entry({ name, type: 'directory', mode: 0o755, uid: 1000, gid: 1000 });
  archive.entry({ name: 'src/pyproject.toml', mode: 0o644, uid: 1000, gid: 1000 }, '[build-system]\n');
  archive.finalize();
  return archive as unknown as Readable;
}

async function main(): Promise<void> {
  const docker = new Docker();
  const { imageId } = await defaultRootfs(docker);
  const dir = await mkdtemp(join(tmpdir(), 'hbuild-bench-iso-'));
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const started = performance.now();
    await runInContainer(
      docker,
      {
        imageId,
        cmd: ['/bin/sh', '-c', 'umask 022 && touch /build/out/x'],
        env: { PATH: '/usr/bin:/bin' },
        limits: DEFAULT_LIMITS,
        inputs: [scaffold],
        logPath: join(dir, `log-${i}`),
        labels: { 'org.hbuild.package': 'bench==0' },
      },
      async (tar) => {
        for await (const chunk of tar) void chunk;
      },
      new AbortController().signal,
    );
    if (i > 0) times.push((performance.now() - started) / 1000);
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
