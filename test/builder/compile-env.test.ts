import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { compileEnv, type EnvCompiler } from '../../src/builder/compile-env.js';
import { DEFAULT_LIMITS, type Engine } from '../../src/engine/index.js';

const SOURCES = new Set(['env/site-packages/tool/__init__.py', 'env/site-packages/tool/sub.py']);

function pyc(flags: number, magic = 0x0d0da7a7): Buffer {
  const bytes = Buffer.alloc(32);
  bytes.writeUInt32LE(magic, 0);
  bytes.writeUInt32LE(flags, 4);
  return bytes;
}

/** A stand-in engine whose container "sent back" these tar members (the output parser is pure logic). */
function compilerSending(members: Array<{ name: string; body?: Buffer; type?: 'file' | 'symlink' | 'directory' }>): EnvCompiler {
  const engine = {
    run: async (_spec: unknown, takeOutput: (tar: Readable) => Promise<unknown>) => {
      const archive = pack();
      for (const m of members) {
        if (m.type === 'symlink') archive.entry({ name: m.name, type: 'symlink', linkname: '/etc/passwd' });
        else if (m.type === 'directory') archive.entry({ name: m.name, type: 'directory' });
        else archive.entry({ name: m.name }, m.body ?? pyc(3));
      }
      archive.finalize();
      return { output: await takeOutput(archive as unknown as Readable), logDroppedBytes: 0, seconds: 0 };
    },
  } as unknown as Engine;
  return { rootfs: 'sha256:x', connect: async () => ({ engine, imageId: 'img' }), limits: DEFAULT_LIMITS };
}

const run = (compiler: EnvCompiler): Promise<Map<string, Buffer>> => compileEnv(compiler, () => Readable.from([]), SOURCES, '/dev/null', new AbortController().signal);

describe('compileEnv: what the compile container sends back', () => {
  it('takes the checked-hash .pyc of each source, by its path in the environment', async () => {
    const got = await run(
      compilerSending([
        { name: 'out/', type: 'directory' },
        { name: 'out/env/site-packages/tool/__pycache__/__init__.cpython-311.pyc' },
        { name: 'out/env/site-packages/tool/__pycache__/sub.cpython-311.pyc' },
      ]),
    );
    expect([...got.keys()]).toEqual(['env/site-packages/tool/__pycache__/__init__.cpython-311.pyc', 'env/site-packages/tool/__pycache__/sub.cpython-311.pyc']);
  });

  it.each([
    ['a file that is no source\'s .pyc', [{ name: 'out/env/site-packages/tool/__pycache__/evil.cpython-311.pyc' }]],
    ['a .py file', [{ name: 'out/env/site-packages/tool/sub.py' }]],
    ['a path outside site-packages', [{ name: 'out/env/bin/__pycache__/x.cpython-311.pyc' }]],
    ['a symlink', [{ name: 'out/env/site-packages/tool/__pycache__/sub.cpython-311.pyc', type: 'symlink' as const }]],
    ['a timestamp .pyc', [{ name: 'out/env/site-packages/tool/__pycache__/sub.cpython-311.pyc', body: pyc(0) }]],
    ['an unchecked-hash .pyc', [{ name: 'out/env/site-packages/tool/__pycache__/sub.cpython-311.pyc', body: pyc(1) }]],
    ['a header too short', [{ name: 'out/env/site-packages/tool/__pycache__/sub.cpython-311.pyc', body: Buffer.alloc(8) }]],
    [
      'two Pythons\' magic',
      [
        { name: 'out/env/site-packages/tool/__pycache__/__init__.cpython-311.pyc' },
        { name: 'out/env/site-packages/tool/__pycache__/sub.cpython-311.pyc', body: pyc(3, 0x0d0dabcd) },
      ],
    ],
    [
      'the same .pyc twice',
      [{ name: 'out/env/site-packages/tool/__pycache__/sub.cpython-311.pyc' }, { name: 'out/env/site-packages/tool/__pycache__/sub.cpython-311.pyc' }],
    ],
    ['a path climbing out', [{ name: 'out/env/site-packages/../../etc/__pycache__/sub.cpython-311.pyc' }]],
  ])('refuses %s, naming it', async (_why, members) => {
    const err = await run(compilerSending(members)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_BUILD_OUTPUT' });
    expect((err as Error).message).toMatch(/^compiling the build environment: /);
  });
});
