import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import { FALLBACK_REQUIRES, LEGACY_BACKEND, readBuildSystem } from '../../src/resolve/build-system.js';
import { readHookAnswer } from '../../src/resolve/probe/probe-tar.js';

function refusalOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (isHbuildError(err, 'ERR_BUILD_FAILED')) return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

async function tarOf(entries: Array<{ name: string; content?: string; type?: 'file' | 'symlink'; linkname?: string }>): Promise<Readable> {
  const archive = pack();
  for (const e of entries) {
    if (e.type === 'symlink') archive.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else archive.entry({ name: e.name }, e.content ?? '');
  }
  archive.finalize();
  return archive as unknown as Readable;
}

describe('[build-system], read as data', () => {
  it('reads requires, build-backend and backend-path', () => {
    const system = readBuildSystem('[build-system]\nrequires = ["flit_core >=3.2,<4"]\nbuild-backend = "flit_core.buildapi"\nbackend-path = ["."]\n', false, 'x');

    expect(system).toEqual({ requires: ['flit_core >=3.2,<4'], backend: 'flit_core.buildapi', backendPath: ['.'], fallback: false });
  });

  it('gives sdists without pyproject.toml, or without the table, pip 23.0.1\'s fallback', () => {
    const legacy = readBuildSystem(null, true, 'x');
    const noTable = readBuildSystem('[tool.black]\nline-length = 100\n', true, 'x');
    const noBackend = readBuildSystem('[build-system]\nrequires = ["setuptools>=61"]\n', true, 'x');

    expect(legacy).toEqual({ requires: FALLBACK_REQUIRES, backend: LEGACY_BACKEND, backendPath: [], fallback: true });
    expect(noTable).toEqual(legacy);
    expect(noBackend).toEqual({ requires: ['setuptools>=61'], backend: LEGACY_BACKEND, backendPath: [], fallback: false });
  });

  it.each([
    ['[build-system]\nbuild-backend = "x"\n', 'has no requires'],
    ['[build-system]\nrequires = "setuptools"\n', 'is not a list of strings'],
    ['[build-system]\nrequires = ["pkg @ https://example.invalid/p.tar.gz"]\n', 'is a direct URL'],
    ['[build-system]\nrequires = ["not a requirement!"]\n', 'is not PEP 508'],
    ['[build-system]\nrequires = []\nbuild-backend = "os; import evil"\n', 'is not a module:object name'],
    ['[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["../outside"]\n', 'inside the source tree'],
    ['[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["/usr/lib"]\n', 'inside the source tree'],
    ['[build-system\nrequires = []\n', 'not valid TOML'],
  ])('refuses %j', (toml, why) => {
    const message = refusalOf(() => readBuildSystem(toml, true, 'pkg 1.0'));

    expect(message).toContain('pkg 1.0: ');
    expect(message).toContain(why);
  });

  it('refuses an sdist with neither pyproject.toml nor setup.py', () => {
    const message = refusalOf(() => readBuildSystem(null, false, 'pkg 1.0'));

    expect(message).toBe('pkg 1.0: has neither pyproject.toml nor setup.py');
  });
});

describe('the hook answer out of the container is hostile input', () => {
  it('reads only out/requires.json', async () => {
    const tar = await tarOf([{ name: 'out/' + 'noise.txt', content: 'x' }, { name: 'out/requires.json', content: '{"requires": ["calver", "setuptools>=61"]}' }]);

    const requires = await readHookAnswer(tar, 'hook');

    expect(requires).toEqual(['calver', 'setuptools>=61']);
  });

  it.each([
    ['a symlink instead of the file', [{ name: 'out/requires.json', type: 'symlink' as const, linkname: '/etc/passwd' }], 'no requires.json'],
    ['an oversized answer', [{ name: 'out/requires.json', content: `{"requires": ["${'a'.repeat(2 * 1024 * 1024)}"]}` }], 'no requires.json'],
    ['text that is not JSON', [{ name: 'out/requires.json', content: 'requires: yes' }], 'not JSON'],
    ['a list of non-strings', [{ name: 'out/requires.json', content: '{"requires": [1, {"a": 2}]}' }], 'does not hold a list'],
  ])('refuses %s', async (_what, entries, why) => {
    const tar = await tarOf(entries);

    const error = await readHookAnswer(tar, 'get_requires_for_build_wheel of pkg 1.0').catch((e: unknown) => e);

    expect(isHbuildError(error, 'ERR_BUILD_OUTPUT')).toBe(true);
    expect((error as Error).message).toContain(why);
  });
});
