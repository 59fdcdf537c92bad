import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HbuildError, isHbuildError } from '../../src/core/errors.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { fakeProbe, fakeWheel, makeSdist, startFakeIndex, unitLockOptions, type FakeIndex } from '../fixtures/index-server.js';
import { useTempDir } from '../helpers/tmp.js';

let index: FakeIndex;
const tmp = useTempDir('lock-static');

beforeEach(async () => {
  index = await startFakeIndex();
});
afterEach(async () => {
  await index.close();
});

async function publish(name: string, version: string, spec: Parameters<typeof makeSdist>[2] = {}, extra: { requiresPython?: string } = {}): Promise<void> {
  index.add(name, { ...(await makeSdist(name, version, spec)), ...extra });
}

async function requirements(text: string): Promise<string> {
  const path = join(tmp.path, 'requirements.txt');
  await writeFile(path, text);
  return path;
}

const inTree = { backendPath: ['.'] };

describe('hbuild lock before any build', () => {
  it('reports every problem of the static build requirements at once, each naming who asked, with no hook or build run', async () => {
    await publish('contradicts', '1.0', { requires: ['flit-core<4', 'flit-core>=4'] });
    for (const v of ['3.12.0', '4.1.0']) await publish('flit-core', v, inTree);
    await publish('cyclonedx-python-lib', '9.1.0', { requires: ['python-sbom'] });
    await publish('needs-wheel-only', '1.0', { requires: ['wheel-only>=1'] });
    index.add('wheel-only', fakeWheel('wheel-only', '1.0'));
    await publish('needs-new-python', '1.0', { requires: ['newpy'] });
    await publish('newpy', '2.0', inTree, { requiresPython: '>=3.11.5' });
    await publish('rusty', '1.0', { requires: ['setuptools', 'setuptools-rust'], backend: 'setuptools.build_meta', files: { 'Cargo.toml': '[package]\nname = "rusty"\n' } });
    await publish('setuptools', '75.0', inTree);
    await publish('setuptools-rust', '1.10.0', inTree);
    await publish('via-backend', '1.0', { requires: ['backend-b'] });
    await publish('backend-b', '1.0', { requires: ['missing-thing'] });
    await publish('wants-new-packaging', '1.0', { requires: ['packaging>=26'] });
    await publish('packaging', '24.0', inTree);
    await publish('packaging', '26.0', inTree);
    const { probe, hooks, builds } = fakeProbe();
    const input = ['contradicts', 'cyclonedx-python-lib==9.1.0', 'needs-new-python', 'needs-wheel-only', 'rusty', 'via-backend', 'wants-new-packaging']
      .map((n) => (n.includes('==') ? n : `${n}==1.0`))
      .concat(['packaging==24.0', 'gone==1.0']);

    const error = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements(`${input.join('\n')}\n`) })).catch((e: unknown) => e);

    expect(isHbuildError(error, 'ERR_USAGE')).toBe(true);
    const problems = ((error as HbuildError).details['problems'] as Array<{ message: string }>).map((p) => p.message);
    expect(problems).toHaveLength(8);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^no configured index serves gone \(asked for by the input: gone==1\.0 \(.*requirements\.txt:9\)\)$/),
        expect.stringMatching(/^no admissible sdist for the build requirement flit-core <4,>=4 .*\(the ranges <4 and >=4 in contradicts 1\.0's build-system\.requires admit no common version\)$/),
        expect.stringMatching(/^no configured index serves python-sbom \(asked for by cyclonedx-python-lib 9\.1\.0's build-system\.requires\)$/),
        expect.stringMatching(/wheel-only 1\.0 has no \.tar\.gz sdist \(asked for by needs-wheel-only 1\.0's build-system\.requires\)$/),
        expect.stringMatching(/newpy-2\.0\.tar\.gz requires Python >=3\.11\.5, not the builder's 3\.11\.2 \(asked for by needs-new-python 1\.0's build-system\.requires\)$/),
        expect.stringMatching(/^rusty 1\.0 needs a Rust toolchain to build \(its build-system names setuptools-rust, and it has a Cargo\.toml at its root\)/),
        expect.stringMatching(/^no configured index serves missing-thing \(asked for by backend-b 1\.0's build-system\.requires\)$/),
        'wants-new-packaging 1.0 needs packaging>=26 to build (build-system.requires), but the input pins packaging==24.0',
      ]),
    );
    expect((error as Error).message).toMatch(/^the lock cannot be made \(8 problems\):\n {2}- /);
    expect(hooks).toEqual([]);
    expect(builds).toEqual([]);
  });

  it('lets a Rust backend through when the recipe gives the build cargo and rustc', async () => {
    await publish('rusty', '1.0', { requires: ['maturin'], backend: 'maturin' });
    await publish('maturin', '1.8.0', inTree);
    await mkdir(join(tmp.path, 'recipes'));
    await writeFile(join(tmp.path, 'recipes', 'rusty.yaml'), 'debian-packages: [cargo, rustc]\n');
    const { probe, builds } = fakeProbe();

    const error = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('rusty==1.0\n') })).catch((e: unknown) => e);

    // Past the static check: the fake probe builds maturin; the derived image is what this unit test cannot pin.
    expect(builds).toEqual(['maturin 1.8.0 after []']);
    expect(String(error)).not.toMatch(/Rust toolchain/);
  });

  it('refuses a Rust backend that get_requires_for_build_wheel asks for, before building it', async () => {
    await publish('sneaky', '1.0', { requires: ['setuptools'] });
    await publish('setuptools', '75.0', inTree);
    await publish('setuptools-rust', '1.10.0', inTree);
    const { probe, builds } = fakeProbe({ dynamic: { sneaky: ['setuptools-rust'] } });

    const error = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('sneaky==1.0\n') })).catch((e: unknown) => e);

    expect((error as Error).message).toMatch(/^sneaky 1\.0 needs a Rust toolchain to build \(get_requires_for_build_wheel asks for setuptools-rust\)/);
    expect(builds).toEqual(['setuptools 75.0 after []']);
  });
});
