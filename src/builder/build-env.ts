import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { digestJson } from '../core/digest.js';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { BuildEnvRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import { compileEnv, type EnvCompiler } from './compile-env.js';
import { planEnv } from './install-wheels.js';

export type { EnvCompiler } from './compile-env.js';

/** Bumped whenever an environment is laid out differently, so older environments are made afresh (2: .pyc files). */
export const ENV_LAYOUT = 'hbuild-env/2';

/** One build-requirement wheel, as the store holds it. */
export interface EnvWheel {
  file: string;
  sha256: string;
}

/** A build environment: an `envs/` store blob, the tar of `env/` with every requirement wheel installed. */
export interface BuildEnv {
  sha256: string;
  size: number;
}

/**
 * The key of a set of requirement wheels, for one builder image's Python: equal keys, same
 * environment. An environment with .pyc files holds bytecode of the Python that compiled it,
 * so its key names that image's rootfs, and an environment is never used with another image's
 * Python; `compiledFor` null is an environment without .pyc files.
 */
export function buildEnvKey(wheels: readonly EnvWheel[], compiledFor: string | null = null): string {
  const sorted = [...wheels].map((w) => ({ file: w.file, sha256: w.sha256 })).sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
  return digestJson({ layout: ENV_LAYOUT, compiledFor, wheels: sorted });
}

/**
 * An environment with less Python source than this is not byte-compiled: compiling it at
 * import costs its builds less than the one container that would compile it (the tiny
 * requirement wheels of a fixture graph). The rule depends only on the wheels, so the
 * environment's bytes are still a function of its key.
 */
export const COMPILE_MIN_SOURCE_BYTES = 64 * 1024;

/** Environments already found or made in this process, by key; shared by the builds of a run. */
export type BuildEnvMemo = Map<string, Promise<BuildEnv>>;

/**
 * The build environment of exactly these wheels: found through `env-keys/` when it was
 * made before, else installed once now (the wheels are
 * re-verified as they are read), byte-compiled by `compiler`'s Python when one is given (in
 * a network-less container of its image), and stored like any other artifact. Concurrent
 * builds of one run that need the same set wait for the same installation.
 */
export function ensureBuildEnv(store: Store, wheels: readonly EnvWheel[], compiler?: EnvCompiler, memo?: BuildEnvMemo, signal?: AbortSignal): Promise<BuildEnv> {
  const key = buildEnvKey(wheels, compiler?.rootfs ?? null);
  const known = memo?.get(key);
  if (known) return known;
  const made = findOrMake(store, key, wheels, compiler, signal);
  memo?.set(key, made);
  made.catch(() => memo?.delete(key));
  return made;
}

/**
 * A recorded environment is trusted for its digest without touching its blob (a no-op run
 * reads no environment); verifiedBuildEnv checks the blob when a build is about to read it.
 */
async function findOrMake(store: Store, key: string, wheels: readonly EnvWheel[], compiler: EnvCompiler | undefined, signal: AbortSignal | undefined): Promise<BuildEnv> {
  const record = await store.readMemo('env-keys', key, BuildEnvRecord);
  if (record && record.key === key) return { sha256: record.sha256, size: record.size };
  return make(store, key, wheels, compiler, signal);
}

async function make(store: Store, key: string, wheels: readonly EnvWheel[], compiler: EnvCompiler | undefined, signal = new AbortController().signal): Promise<BuildEnv> {
  const paths = [];
  for (const wheel of wheels) {
    const path = await store.verifiedBlob('wheels', wheel.sha256, wheel.file);
    if (path === null) throw new Error(`build-requirement wheel ${wheel.file} is not in the store`);
    paths.push({ file: wheel.file, path });
  }
  const plan = await planEnv(paths);
  let env: BuildEnv;
  try {
    const pycs = compiler && plan.sourceBytes >= COMPILE_MIN_SOURCE_BYTES ? await compiled(store, plan, compiler, signal) : undefined;
    env = await store.putStream('envs', plan.tar(pycs), { what: 'build environment' });
  } finally {
    plan.close();
  }
  await store.writeMemo('env-keys', key, { key, sha256: env.sha256, size: env.size } satisfies BuildEnvRecord);
  return env;
}

/** The .pyc files of a planned environment, made by the compiler's Python; the tar goes through a scratch file so that a retried run can send it again. */
async function compiled(store: Store, plan: Awaited<ReturnType<typeof planEnv>>, compiler: EnvCompiler, signal: AbortSignal): Promise<Map<string, Buffer>> {
  const scratch = await store.scratchDir('env-compile');
  try {
    const tarPath = join(scratch, 'env.tar');
    await pipeline(plan.tar(), createWriteStream(tarPath));
    return await compileEnv(compiler, () => createReadStream(tarPath), plan.sources, join(scratch, 'compile.log'), signal);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The path of an environment's tar, re-hashed before a build reads it. A corrupt one is
 * removed, reported in the log, and installed again from its wheels (the install is
 * deterministic, so it must come back with the same digest).
 */
export async function verifiedBuildEnv(store: Store, env: BuildEnv, wheels: readonly EnvWheel[], onCorrupt: (err: HbuildError) => void, compiler?: EnvCompiler): Promise<string> {
  let path: string | null;
  try {
    path = await store.verifiedBlob('envs', env.sha256, 'a build environment');
  } catch (err) {
    if (!isHbuildError(err, 'ERR_STORE_CORRUPT')) throw err;
    onCorrupt(err);
    path = null;
  }
  if (path !== null) return path;
  // Missing (removed by gc, or just now as corrupt): install it again from its wheels.
  const again = await make(store, buildEnvKey(wheels, compiler?.rootfs ?? null), wheels, compiler);
  if (again.sha256 !== env.sha256) {
    throw new HbuildError('ERR_STORE_CORRUPT', `build environment ${env.sha256} was made again as ${again.sha256}`, {
      hint: 'installing the same wheels gave different bytes; run `hbuild store verify` and report this',
      details: { expected: env.sha256, actual: again.sha256 },
    });
  }
  return store.blobPath('envs', again.sha256);
}
