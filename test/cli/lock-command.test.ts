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
