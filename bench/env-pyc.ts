/**
 * What byte-compiled build environments save a real backend: calver (a setuptools package of
 * the shipped example) built through buildPackage, exactly as `hbuild build` runs it, with
 * its environment (setuptools 75.8.0) without .pyc files and with them, alternating, N times
 * each after one warm-up of each. Medians of the whole build and of the backend's import as
 * the frontend times it (HBUILD_FRONTEND_TIMINGS=1).
 *
 *   npx vite-node bench/env-pyc.ts          # BENCH_RUNS=9 by default
 *
 * Takes the wheel and the sdist from a store that built examples/lock.yaml: $PYC_BENCH_STORE,
 * else one it fills itself with `hbuild build examples/lock.yaml` (needs the index).
 */
import Docker from 'dockerode';
import { execa } from 'execa';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ensureBuildEnv, verifiedBuildEnv, type BuildEnv, type EnvWheel } from '../src/builder/build-env.js';
import { buildPackage } from '../src/builder/build-package.js';
import { createEngine, DEFAULT_LIMITS } from '../src/engine/index.js';
import { openStore } from '../src/store/store.js';
import { BIN, defaultRootfs, median } from './common.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);

interface Pinned {
  name: string;
  sdist: { file: string; sha256: string };
  wheel: { file: string; sha256: string };
}

async function main(): Promise<void> {
  const { rootfs, imageId } = await defaultRootfs(new Docker());
  const dir = await mkdtemp(join(tmpdir(), 'hbuild-bench-pyc-'));
  const storeRoot = process.env.PYC_BENCH_STORE ?? join(dir, 'example-store');
  if (process.env.PYC_BENCH_STORE === undefined) {
    await execa('node', [BIN, 'build', 'examples/lock.yaml', '--store', storeRoot, '--out', join(dir, 'wheelhouse')], { stdin: 'ignore' });
  }
  const lock = parse(await readFile('examples/lock.yaml', 'utf8')) as { packages: Pinned[] };
  const find = (name: string): Pinned => lock.packages.find((p) => p.name === name) as Pinned;
  const setuptools = find('setuptools');
  const calver = find('calver');
  const source = await openStore(storeRoot);
  const store = await openStore(join(dir, 'store'));
  await store.putFile('wheels', source.blobPath('wheels', setuptools.wheel.sha256), { expected: setuptools.wheel.sha256 });
  const wheels: EnvWheel[] = [{ file: setuptools.wheel.file, sha256: setuptools.wheel.sha256 }];
  const engine = createEngine();
  const compiler = { rootfs, connect: async () => ({ engine, imageId }), limits: DEFAULT_LIMITS };
  const envs: Record<'plain' | 'pyc', BuildEnv> = {
    plain: await ensureBuildEnv(store, wheels),
    pyc: await ensureBuildEnv(store, wheels, compiler),
  };
  const times = { plain: [] as number[], pyc: [] as number[] };
  const imports = { plain: [] as number[], pyc: [] as number[] };
  for (let i = 0; i < RUNS + 1; i++) {
    for (const kind of ['plain', 'pyc'] as const) {
      const outDir = join(dir, `out-${kind}-${i}`);
      const logPath = join(dir, `log-${kind}-${i}`);
      await mkdir(outDir);
      const started = performance.now();
      const envPath = await verifiedBuildEnv(store, envs[kind], wheels, () => undefined, kind === 'pyc' ? compiler : undefined);
      await buildPackage(
        engine,
        {
          name: calver.name,
          version: '2022.6.26',
          sdistPath: source.blobPath('sources', calver.sdist.sha256),
          buildEnv: { path: envPath, sha256: envs[kind].sha256 },
          imageId,
          sourceDateEpoch: 1700000000,
          env: { HBUILD_FRONTEND_TIMINGS: '1' },
          limits: DEFAULT_LIMITS,
          outDir,
          logPath,
        },
        new AbortController().signal,
      );
      const seconds = (performance.now() - started) / 1000;
      const imported = /^hbuild-frontend: backend \S+ imported in ([0-9.]+) s/m.exec(await readFile(logPath, 'utf8'));
      if (i === 0) continue;
      times[kind].push(seconds);
      imports[kind].push(Number(imported?.[1] ?? NaN));
    }
  }
  const f = (v: number[]): string => median(v).toFixed(2);
  console.log(`calver (setuptools 75.8.0) over ${RUNS} alternating runs, medians:`);
  console.log(`  environment without .pyc: build ${f(times.plain)} s, backend import ${f(imports.plain)} s`);
  console.log(`  environment with .pyc:    build ${f(times.pyc)} s, backend import ${f(imports.pyc)} s`);
  console.log(`  saved per build: ${(median(times.plain) - median(times.pyc)).toFixed(2)} s (import ${(median(imports.plain) - median(imports.pyc)).toFixed(2)} s)`);
  await rm(dir, { recursive: true, force: true });
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
