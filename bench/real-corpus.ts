/**
 * A real corpus, cold, side by side in one run: the pinned projects below (pure Python on
 * flit-core, hatchling, setuptools, poetry-core, pdm and setuptools-scm; C extensions; Cython
 * users) locked by `hbuild lock` from the index pip is configured with, then built from source
 *
 *   1. by hbuild, cold (fresh store), `--jobs 2`;
 *   2. by `pip wheel --no-binary :all: --no-deps` over the lock's sdists, on the host;
 *   3. by `fromager bootstrap` on the same list, from $FROMAGER_VENV/bin (default /tmp/fromager-venv) or PATH (else skipped);
 *   4. the floor: one long-lived builder container with every build requirement of the lock
 *      pre-installed, building the same sdists `pip wheel --no-build-isolation --no-deps`
 *      two at a time.
 *
 * Ratios of hbuild to each are the figures (targets: ≤ 0.4 × pip, ≤ 0.4 × fromager, ≤ 1.2 × the floor).
 *
 *   npx vite-node bench/real-corpus.ts            # needs the index, Docker and an hour
 *
 * Work files stay in $CORPUS_BENCH_DIR (default: <tmpdir>/hbuild-corpus-bench).
 */
import { compare } from '@renovatebot/pep440';
import Docker from 'dockerode';
import { execa } from 'execa';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { openStore } from '../src/store/store.js';
import { BIN, defaultRootfs, row, timeHbuild } from './common.js';

const CORPUS = [
  'attrs==24.3.0', 'idna==3.10', 'certifi==2024.12.14', 'packaging==26.4', 'pathspec==0.12.1', 'pluggy==1.5.0',
  'iniconfig==2.0.0', 'six==1.17.0', 'jmespath==1.0.1', 'pytz==2024.2', 'tomli==2.2.1', 'typing-extensions==4.12.2',
  'click==8.1.8', 'itsdangerous==2.2.0', 'jinja2==3.1.5', 'markupsafe==3.0.2', 'werkzeug==3.1.3', 'flask==3.1.0',
  'blinker==1.9.0', 'sniffio==1.3.1', 'anyio==4.8.0', 'h11==0.14.0', 'httpcore==1.0.7', 'httpx==0.28.1',
  'charset-normalizer==3.4.1', 'urllib3==2.3.0', 'requests==2.32.3', 'filelock==3.16.1', 'platformdirs==4.3.6', 'distlib==0.3.9',
  'pyyaml==6.0.2', 'wrapt==1.17.0', 'msgpack==1.1.0', 'simplejson==3.19.3', 'ujson==5.10.0', 'psutil==6.1.1',
  'crcmod==1.7', 'pycparser==2.22', 'frozenlist==1.5.0', 'multidict==6.1.0', 'yarl==1.18.3', 'propcache==0.2.1',
  'pyrsistent==0.20.0', 'regex==2024.11.6', 'setproctitle==1.3.4', 'ruamel-yaml-clib==0.2.12', 'bitarray==3.0.0', 'mmh3==5.0.1',
  'coverage==7.6.10', 'greenlet==3.1.1', 'sqlalchemy==2.0.37', 'lz4==4.3.3', 'xxhash==3.5.0', 'brotli==1.1.0',
  'pygments==2.19.1', 'docutils==0.21.2', 'babel==2.16.0', 'soupsieve==2.6', 'beautifulsoup4==4.12.3', 'toml==0.10.2',
  'more-itertools==10.5.0', 'decorator==5.1.1', 'wcwidth==0.2.13', 'tabulate==0.9.0', 'pyparsing==3.2.1', 'cachetools==5.5.0',
];
const DIR = process.env.CORPUS_BENCH_DIR ?? join(tmpdir(), 'hbuild-corpus-bench');

interface LockedPackage {
  name: string;
  version: string;
  sdist: { file: string; sha256: string };
}

/** `hbuild build` fetched every sdist into its store: copy them out under their lock file names. */
async function sdistsOf(storeRoot: string, lock: { packages: LockedPackage[] }, out: string): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const store = await openStore(storeRoot);
  for (const pkg of lock.packages) await copyFile(store.blobPath('sources', pkg.sdist.sha256), join(out, pkg.sdist.file));
  return lock.packages.map((p) => p.sdist.file);
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  const { rootfs, imageId } = await defaultRootfs(new Docker());
  await mkdir(DIR, { recursive: true });
  await writeFile(join(DIR, 'requirements.txt'), `${CORPUS.join('\n')}\n`);
  const lockPath = join(DIR, 'lock.yaml');
  // A fresh lock every run: pins recorded by an earlier run (another hbuild version) are not this run's to check.
  await rm(lockPath, { force: true });
  const locked = await execa('node', [BIN, 'lock', join(DIR, 'requirements.txt'), '--lock', lockPath, '--min-age', '0', '--store', join(DIR, 'lock-store'), '--builder-rootfs', rootfs], { reject: false });
  if (locked.exitCode !== 0) throw new Error(`hbuild lock failed: ${locked.stderr.slice(-2000)}`);
  const lock = parse(await readFile(lockPath, 'utf8')) as { packages: LockedPackage[] };
  console.log(`corpus: ${CORPUS.length} requested, ${lock.packages.length} packages in the lock with their build requirements`);

  const store = join(DIR, 'store-cold');
  await rm(store, { recursive: true, force: true });
  const hbuild = await timeHbuild(['build', lockPath, '--store', store, '--out', join(DIR, 'wheelhouse'), '--jobs', '2', '--record', '--vet', 'report', '--recipes', 'recipes']);
  if (hbuild.exitCode !== 0) throw new Error(`hbuild build failed: ${hbuild.stderr.slice(-3000)}`);
  console.log(`hbuild build: ${hbuild.seconds.toFixed(1)} s`);

  const sdistDir = join(DIR, 'sdists');
  const files = await sdistsOf(store, lock, sdistDir);
  const pipOut = join(DIR, 'pip-wheels');
  await rm(pipOut, { recursive: true, force: true });
  // cold for pip and fromager too: an empty cache of their own (no wheel of an earlier run), which they fill as they go
  // (with no cache at all, every nested isolated environment would build its backends from source again)
  for (const d of ['pip-cache', 'uv-cache']) await rm(join(DIR, d), { recursive: true, force: true });
  const noCache = { PIP_CACHE_DIR: join(DIR, 'pip-cache'), UV_CACHE_DIR: join(DIR, 'uv-cache') };
  // pip refuses two versions of one name in one command (and writes no wheel at all then): a lock
  // holding several versions of a backend is built in as many pip commands, one after another.
  const rounds = pipRounds(lock.packages);
  const pipExits: number[] = [];
  const pip = await timed(async () => {
    for (const round of rounds) {
      pipExits.push((await execa('pip', ['wheel', '--no-binary', ':all:', '--no-deps', '--wheel-dir', pipOut, ...round.map((f) => join(sdistDir, f))], { stdio: 'ignore', reject: false, env: noCache })).exitCode ?? -1);
    }
  });
  console.log(`pip wheel: ${pip.toFixed(1)} s, ${rounds.length} commands (${rounds.map((r) => r.length).join(' + ')} sdists), exit ${pipExits.join(', ')}, ${(await readdir(pipOut).catch(() => [])).filter((f) => f.endsWith('.whl')).length} wheels`);

  // fromager from $FROMAGER_VENV (default /tmp/fromager-venv), else from PATH
  const venvBin = join(process.env.FROMAGER_VENV ?? '/tmp/fromager-venv', 'bin');
  const fromagerEnv = { PATH: `${venvBin}:${process.env.PATH ?? ''}` };
  const hasFromager = (await execa('fromager', ['--version'], { reject: false, env: fromagerEnv }).catch(() => ({ exitCode: 1 }))).exitCode === 0;
  for (const d of ['fromager-sdists', 'fromager-wheels', 'fromager-work']) await rm(join(DIR, d), { recursive: true, force: true });
  let fromagerExit = 0;
  const fromager = hasFromager
    ? await timed(async () => { fromagerExit = (await execa('fromager', ['--sdists-repo', join(DIR, 'fromager-sdists'), '--wheels-repo', join(DIR, 'fromager-wheels'), '--work-dir', join(DIR, 'fromager-work'), 'bootstrap', '-r', join(DIR, 'requirements.txt')], { stdio: 'ignore', reject: false, env: { ...fromagerEnv, ...noCache } })).exitCode ?? -1; })
    : undefined;
  if (fromager !== undefined) console.log(`fromager bootstrap: exit ${fromagerExit}, ${fromager.toFixed(1)} s`);

  const floor = await floorRun(imageId, sdistDir, files, join(DIR, 'wheelhouse'));
  console.log(`hbuild ${hbuild.seconds.toFixed(0)} s, pip wheel ${pip.toFixed(0)} s, fromager ${fromager === undefined ? 'not installed' : `${fromager.toFixed(0)} s`}, floor ${floor.toFixed(0)} s`);
  console.log(row(`real corpus (${lock.packages.length} packages) cold, --jobs 2, vs pip wheel --no-binary :all:`, `${hbuild.seconds.toFixed(0)} s vs ${pip.toFixed(0)} s = ratio ${(hbuild.seconds / pip).toFixed(2)}`, '≤ 0.4', hbuild.seconds / pip <= 0.4));
  if (fromager !== undefined) console.log(row('the same vs fromager bootstrap', `${hbuild.seconds.toFixed(0)} s vs ${fromager.toFixed(0)} s = ratio ${(hbuild.seconds / fromager).toFixed(2)}`, '≤ 0.4', hbuild.seconds / fromager <= 0.4));
  console.log(row('the same vs the floor (one container, requirements pre-installed, --no-build-isolation, 2 at a time)', `${hbuild.seconds.toFixed(0)} s vs ${floor.toFixed(0)} s = ratio ${(hbuild.seconds / floor).toFixed(2)}`, '≤ 1.2', hbuild.seconds / floor <= 1.2));
}

/** One wheel per project, its newest version: one site-packages holds one version of a name (the floor's builds that asked for an older one get the newest). */
function newestPerName(wheels: string[]): string[] {
  const newest = new Map<string, { file: string; version: string }>();
  for (const file of wheels) {
    const [dist = file, version = '0'] = file.split('-');
    const known = newest.get(dist.toLowerCase());
    if (!known || compare(version, known.version) > 0) newest.set(dist.toLowerCase(), { file, version });
  }
  return [...newest.values()].map((w) => w.file);
}

/** The lock's sdist files in groups that each name a project once: the first version of every name, then the second… */
function pipRounds(packages: LockedPackage[]): string[][] {
  const rounds: string[][] = [];
  const seen = new Map<string, number>();
  for (const pkg of packages) {
    const name = pkg.name.toLowerCase().replace(/[-_.]+/g, '-');
    const round = seen.get(name) ?? 0;
    seen.set(name, round + 1);
    (rounds[round] ??= []).push(pkg.sdist.file);
  }
  return rounds;
}

/** One long-lived container: every wheel of the wheelhouse installed first (untimed), then the sdists built two at a time without isolation. */
async function floorRun(imageId: string, sdistDir: string, files: string[], wheelhouse: string): Promise<number> {
  const wheels = newestPerName((await readdir(wheelhouse)).filter((f) => f.endsWith('.whl')));
  const name = `hbuild-corpus-floor-${process.pid}`;
  await execa('docker', ['run', '-d', '--name', name, '--network', 'none', '-u', '1000:1000', '-e', 'HOME=/tmp', '-v', `${resolve(sdistDir)}:/sdists:ro`, '-v', `${resolve(wheelhouse)}:/wheels:ro`, '--tmpfs', '/tmp:exec', imageId, 'sleep', 'infinity']);
  try {
    await execa('docker', ['exec', name, 'python3', '-m', 'pip', 'install', '--no-index', '--no-deps', '--target', '/tmp/site', ...wheels.map((w) => `/wheels/${w}`)]);
    const half = Math.ceil(files.length / 2);
    const lane = (list: string[]): string => list.map((f) => `PYTHONPATH=/tmp/site python3 -m pip wheel -q --no-index --no-deps --no-build-isolation -w /tmp/out /sdists/${f}`).join(' ; ');
    const seconds = await timed(() => Promise.all([files.slice(0, half), files.slice(half)].map((list) => execa('docker', ['exec', name, 'sh', '-c', lane(list)], { reject: false }))));
    const built = await execa('docker', ['exec', name, 'sh', '-c', 'ls /tmp/out | wc -l'], { reject: false });
    console.log(`floor: ${built.stdout.trim()} of ${files.length} wheels built`);
    return seconds;
  } finally {
    await execa('docker', ['rm', '-f', name], { reject: false });
  }
}

await main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
