import type { Readable } from 'node:stream';
import { extract as tarExtract } from 'tar-stream';
import type { ContainerLimits, Engine } from '../engine/index.js';
import { HbuildError } from '../core/errors.js';
import { ENV_SITE } from './install-wheels.js';

/** The builder image a build environment is compiled for: its Python writes the .pyc files. */
export interface EnvCompiler {
  /** The image's rootfs digest (its first layer, which holds its Python): part of the environment's key. */
  rootfs: string;
  connect: () => Promise<{ engine: Engine; imageId: string }>;
  limits: ContainerLimits;
}

/**
 * Run by `python3 -I -S` (nothing of the environment is imported, no .pth file runs): every
 * .py file of site-packages, in sorted order, byte-compiled the way an installer does, into
 * /build/out at the path of its `__pycache__` file. checked-hash: the .pyc names its source's
 * hash instead of an mtime, so its bytes do not depend on when it was made, and Python checks
 * that hash at import (a .pyc that does not match its source is not used). A file that does
 * not compile (Python 2 syntax in a test folder) is left without one, as pip leaves it.
 */
export const COMPILE_PY = String.raw`import importlib.util, os, py_compile, sys
root = "/build/env/site-packages"
out = "/build/out"
paths = []
for top, dirs, files in os.walk(root):
    dirs.sort()
    paths.extend(os.path.join(top, f) for f in sorted(files) if f.endswith(".py"))
made = 0
for path in paths:
    target = out + importlib.util.cache_from_source(path)[len("/build"):]
    try:
        py_compile.compile(path, cfile=target, dfile=path, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
        made += 1
    except (py_compile.PyCompileError, SyntaxError, ValueError, UnicodeError):
        pass
sys.stderr.write("hbuild-compile: %d of %d files compiled\n" % (made, len(paths)))
`;

/** Bounds on what the compile container may send back. */
const MAX_PYC_BYTES = 64 * 2 ** 20;
const MAX_TOTAL_BYTES = 1024 * 2 ** 20;
const PYC_PATH = /^out\/((?:[^/]+\/)*)__pycache__\/([^/]+)\.cpython-3\d{1,2}\.pyc$/;
/** A .pyc's header: magic (4 bytes), flags (4; 3 = hash-based, checked), source hash (8). */
const CHECKED_HASH_FLAGS = 3;
const HEADER_BYTES = 16;

/**
 * Byte-compile an installed environment in a fresh network-less container of the builder
 * image. `envTar` streams the environment's tar (paths `env/...`); `sources` are its .py
 * files (paths `env/site-packages/...`). Returns the .pyc files by the path they take in
 * the environment. The container's output is untrusted: only regular files at the
 * `__pycache__` path of one of `sources`, each with a checked-hash header of one magic, are taken.
 */
export async function compileEnv(compiler: EnvCompiler, envTar: () => Readable, sources: ReadonlySet<string>, logPath: string, signal: AbortSignal): Promise<Map<string, Buffer>> {
  const { engine, imageId } = await compiler.connect();
  const outcome = await engine.run(
    {
      imageId,
      cmd: ['python3', '-I', '-S', '-c', COMPILE_PY],
      env: { PATH: '/usr/bin:/bin', PYTHONHASHSEED: '0', LC_ALL: 'C.UTF-8', HOME: '/tmp', TMPDIR: '/tmp' },
      limits: compiler.limits,
      inputs: [envTar],
      logPath,
      labels: { 'org.hbuild.compile': 'build-environment' },
    },
    (tar) => readPycs(tar, sources),
    signal,
  );
  return outcome.output;
}

async function readPycs(tar: Readable, sources: ReadonlySet<string>): Promise<Map<string, Buffer>> {
  const extract = tarExtract();
  tar.on('error', (err) => extract.destroy(err));
  tar.pipe(extract);
  const pycs = new Map<string, Buffer>();
  let total = 0;
  let magic: string | undefined;
  try {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      if (type === 'directory') {
        entry.resume();
        continue;
      }
      const match = PYC_PATH.exec(name);
      const source = match ? `${match[1]}${match[2]}.py` : undefined;
      if (type !== 'file' || source === undefined || !source.startsWith(`${ENV_SITE}/`) || !sources.has(source) || pycs.has(name.slice('out/'.length))) {
        throw refused(name, 'not the .pyc of one of the environment\'s sources');
      }
      if (size === undefined || size < HEADER_BYTES || size > MAX_PYC_BYTES) throw refused(name, `a .pyc of ${size} bytes`);
      total += size;
      if (total > MAX_TOTAL_BYTES) throw refused(name, `more than ${MAX_TOTAL_BYTES} bytes of .pyc files`);
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const bytes = Buffer.concat(chunks);
      const head = bytes.subarray(0, 4).toString('hex');
      if (bytes.length !== size || bytes.readUInt32LE(4) !== CHECKED_HASH_FLAGS || (magic !== undefined && head !== magic)) {
        throw refused(name, 'not a checked-hash .pyc of the same Python as the others');
      }
      magic = head;
      pycs.set(name.slice('out/'.length), bytes);
    }
  } catch (err) {
    extract.destroy();
    tar.destroy();
    if (err instanceof HbuildError) throw err;
    throw new HbuildError('ERR_BUILD_OUTPUT', `compiling the build environment: its output is not a readable tar (${(err as Error).message})`, {
      hint: 'the builder image may be broken; rebuild it with `hbuild image build`',
    });
  }
  return pycs;
}

function refused(name: string, why: string): HbuildError {
  return new HbuildError('ERR_BUILD_OUTPUT', `compiling the build environment: ${JSON.stringify(name.slice(0, 300))} refused: ${why}`, {
    hint: 'the builder image may be broken or not hbuild\'s; rebuild it with `hbuild image build`',
  });
}
