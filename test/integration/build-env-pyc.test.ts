import { execa } from 'execa';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEnvKey, ensureBuildEnv, type EnvCompiler } from '../../src/builder/build-env.js';
import { createEngine, DEFAULT_LIMITS } from '../../src/engine/index.js';
import { openStore } from '../../src/store/store.js';
import { writeWheel } from '../fixtures/wheel.js';
import { tempDir } from '../helpers/tmp.js';
import { builderRootfs, engine as docker } from './harness.js';

async function defaultImage(): Promise<{ rootfs: string; imageId: string }> {
  const d = await docker();
  const rootfs = await builderRootfs(d);
  const [first] = await d.listImages({ filters: { label: ['org.hbuild.image=default'] } });
  return { rootfs, imageId: first!.Id };
}

describe('byte-compiled build environments, in a container of the builder image', () => {
  it('compiles every .py of site-packages once (when there is enough of it), the same bytes in two fresh stores, keyed by the image, and the image\'s Python loads them', async () => {
    const dir = await tempDir('env-pyc');
    const made = await writeWheel(dir, {
      name: 'tool',
      version: '1.0',
      files: {
        'tool/__init__.py': 'from tool.sub import X\n',
        'tool/sub.py': 'X = {"a", "b", "c"}\nY = frozenset(range(50))\n',
        'tool/legacy.py': 'print "python 2"\n',
        // over COMPILE_MIN_SOURCE_BYTES of source in all
        'tool/big.py': `${'A = 1\n'.repeat(12_000)}`,
      },
    });
    const small = await writeWheel(dir, { name: 'small', version: '1.0' });
    const wheels = [{ file: 'tool-1.0-py3-none-any.whl', sha256: made.sha256 }];
    const { rootfs, imageId } = await defaultImage();
    const engine = createEngine();
    const compiler: EnvCompiler = { rootfs, connect: async () => ({ engine, imageId }), limits: DEFAULT_LIMITS };

    const envs = [];
    for (const name of ['one', 'two']) {
      const store = await openStore(join(dir, name));
      await store.putFile('wheels', made.path);
      envs.push({ store, env: await ensureBuildEnv(store, wheels, compiler) });
    }
    const plain = await ensureBuildEnv(envs[0]!.store, wheels);
    await envs[0]!.store.putFile('wheels', small.path);
    const tiny = await ensureBuildEnv(envs[0]!.store, [{ file: 'small-1.0-py3-none-any.whl', sha256: small.sha256 }], compiler);
    const tinyListing = (await execa('tar', ['-tf', envs[0]!.store.blobPath('envs', tiny.sha256)])).stdout.split('\n');
    const tarPath = envs[0]!.store.blobPath('envs', envs[0]!.env.sha256);
    const listing = (await execa('tar', ['-tf', tarPath])).stdout.split('\n');
    const pyc = (await execa('tar', ['-xOf', tarPath, 'env/site-packages/tool/__pycache__/sub.cpython-311.pyc'], { encoding: 'buffer' })).stdout as Uint8Array;
    // The image's Python, given the environment read-only: -v says which file each module's code came from.
    await engine.run(
      {
        imageId,
        cmd: ['python3', '-I', '-v', '-c', 'import sys; sys.path.insert(0, "/build/env/site-packages"); import tool; print(tool.X)'],
        env: { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1' },
        limits: DEFAULT_LIMITS,
        inputs: [() => createReadStream(tarPath)],
        logPath: join(dir, 'import.log'),
      },
      async (tar) => {
        tar.resume();
      },
      new AbortController().signal,
    ).catch(() => undefined);
    const log = await readFile(join(dir, 'import.log'), 'utf8');

    expect(envs[1]!.env.sha256).toBe(envs[0]!.env.sha256);
    expect(plain.sha256).not.toBe(envs[0]!.env.sha256);
    expect(listing).toContain('env/site-packages/tool/__pycache__/__init__.cpython-311.pyc');
    expect(listing).toContain('env/site-packages/tool/__pycache__/sub.cpython-311.pyc');
    expect(listing.some((p) => p.includes('legacy.cpython'))).toBe(false);
    // An environment with little source is not worth a container: no .pyc.
    expect(tinyListing).toContain('env/site-packages/small/__init__.py');
    expect(tinyListing.some((p) => p.endsWith('.pyc'))).toBe(false);
    // checked-hash: flags 3, no mtime in the header.
    expect(Buffer.from(pyc).readUInt32LE(4)).toBe(3);
    expect(buildEnvKey(wheels, rootfs)).not.toBe(buildEnvKey(wheels));
    expect(buildEnvKey(wheels, rootfs)).not.toBe(buildEnvKey(wheels, `sha256:${'0'.repeat(64)}`));
    // (/build/out does not exist, so the run fails after the import; the log is what counts.)
    expect(log).toContain('/build/env/site-packages/tool/__pycache__/sub.cpython-311.pyc matches /build/env/site-packages/tool/sub.py');
    expect(log).toContain("code object from '/build/env/site-packages/tool/__pycache__/sub.cpython-311.pyc'");
  });
});
