import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runLockCommand } from '../../src/cli/lock-command.js';
import { makeSdist, startFakeIndex, type FakeIndex } from '../fixtures/index-server.js';
import { captureOutput, type CapturedOutput } from '../helpers/output.js';
import { useTempDir } from '../helpers/tmp.js';

let index: FakeIndex;
const tmp = useTempDir('lock-cli');
let output: CapturedOutput;

beforeEach(async () => {
  index = await startFakeIndex();
  output = captureOutput();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await index.close();
});

async function run(requirements: string, ...flags: string[]): Promise<number> {
  await writeFile(join(tmp.path, 'requirements.txt'), requirements);
  return runLockCommand([join(tmp.path, 'requirements.txt'), '--lock', join(tmp.path, 'lock.yaml'), '--store', join(tmp.path, 'store'), '--index-url', index.url, ...flags], new AbortController().signal);
}

async function written(): Promise<boolean> {
  return access(join(tmp.path, 'lock.yaml')).then(
    () => true,
    () => false,
  );
}

describe('hbuild lock exit codes', () => {
  it('2 for unpinned or unsupported input, listing every line, writing nothing', async () => {
    const code = await run('ok==1.0\nloose>=1\n-e .\n');

    expect(code).toBe(2);
    expect(output.stderr).toContain('requirements.txt:2: loose>=1: not pinned to one version: >=1');
    expect(output.stderr).toContain('requirements.txt:3: -e .: editable requirements are not supported');
    expect(await written()).toBe(false);
  });

  it('3 when the index serves bytes that do not match the sha256 it lists', async () => {
    const sdist = await makeSdist('pkg', '1.0');
    index.add('pkg', { ...sdist, served: Buffer.from('something else') });

    const code = await run('pkg==1.0\n');

    expect(code).toBe(3);
    expect(output.stderr).toContain('served bytes hashing to');
    expect(await written()).toBe(false);
  });

  it('4 for a yanked or quarantined sdist', async () => {
    index.add('yanked', { ...(await makeSdist('yanked', '1.0')), yanked: true });
    index.add('young', { ...(await makeSdist('young', '1.0')), uploadTime: new Date().toISOString() });

    const yanked = await run('yanked==1.0\n');
    const young = await run('young==1.0\n');

    expect(yanked).toBe(4);
    expect(young).toBe(4);
    expect(output.stderr).toContain('younger than the 7-day quarantine');
    expect(output.stderr).toContain('hint: wait until it is old enough, lower --min-age, or exempt it');
  });

  it('4 for a name served by two indexes, without leaking credentials', async () => {
    const other = await startFakeIndex();
    index.add('shadowed', await makeSdist('shadowed', '1.0'));
    other.add('shadowed', await makeSdist('shadowed', '9.0'));

    const code = await run('shadowed==1.0\n', '--extra-index-url', other.url.replace('http://', 'http://user:hunter2@'));
    await other.close();

    expect(code).toBe(4);
    expect(output.stderr).toContain('shadowed is served by more than one index');
    expect(output.stderr).not.toContain('hunter2');
  });

  it('2 for bad flags, with the usage', async () => {
    const unknown = await run('x==1\n', '--no-such-flag');
    const minAge = await run('x==1\n', '--min-age', 'soon');
    const reason = await run('x==1\n', '--reason', 'because');

    expect([unknown, minAge, reason]).toEqual([2, 2, 2]);
    expect(output.stderr).toContain('Usage:\n  hbuild lock INPUT [options]');
  });
});

describe('hbuild lock before any build', () => {
  it('2 with every problem of the static build requirements at once, each naming who asked, before reaching Docker', async () => {
    index.add('cyclonedx-python-lib', await makeSdist('cyclonedx-python-lib', '9.1.0', { requires: ['python-sbom'] }));
    index.add('blinker', await makeSdist('blinker', '1.9.0', { requires: ['flit-core<4', 'flit-core>=4'] }));
    index.add('flit-core', await makeSdist('flit-core', '3.12.0', { backendPath: ['.'] }));
    index.add('newpy', { ...(await makeSdist('newpy', '1.0', { backendPath: ['.'] })), requiresPython: '>=3.11.5' });
    index.add('rusty', await makeSdist('rusty', '1.0', { requires: ['maturin>=1', 'newpy'], backend: 'maturin' }));

    // DOCKER_HOST points nowhere: the run must end before any hook or build needs an engine.
    const code = await run('cyclonedx-python-lib==9.1.0\nblinker==1.9.0\nrusty==1.0\n', '--min-age', '0', '--docker-host', 'unix:///nonexistent/docker.sock');

    expect(code).toBe(2);
    expect(output.stderr).toContain('the lock cannot be made (5 problems):');
    expect(output.stderr).toContain("no configured index serves python-sbom (asked for by cyclonedx-python-lib 9.1.0's build-system.requires)");
    expect(output.stderr).toMatch(/no admissible sdist for the build requirement flit-core <4,>=4 .*\(the ranges <4 and >=4 in blinker 1\.9\.0's build-system\.requires admit no common version\)/);
    expect(output.stderr).toMatch(/rusty 1\.0 needs a Rust toolchain to build \(its build-system names maturin\); the builder image \(CPython 3\.11\.2\) has no Rust compiler/);
    expect(output.stderr).toContain("no configured index serves maturin (asked for by rusty 1.0's build-system.requires)");
    expect(output.stderr).toMatch(/newpy-1\.0\.tar\.gz requires Python >=3\.11\.5, not the builder's 3\.11\.2 \(asked for by rusty 1\.0's build-system\.requires\)/);
    expect(output.stderr.split('Usage:')[0]).not.toMatch(/docker|engine/i);
    expect(await written()).toBe(false);
  });
});
