import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runLockCommand } from '../../src/cli/lock-command.js';
import { makeSdist, startFakeIndex, type FakeIndex } from '../fixtures/index-server.js';

let index: FakeIndex;
let dir: string;
let stderr: string;

beforeEach(async () => {
  index = await startFakeIndex();
  dir = await mkdtemp(join(tmpdir(), 'hbuild-lock-cli-'));
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await index.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(requirements: string, ...flags: string[]): Promise<number> {
  await writeFile(join(dir, 'requirements.txt'), requirements);
  return runLockCommand([join(dir, 'requirements.txt'), '--lock', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--index-url', index.url, ...flags], new AbortController().signal);
}

async function written(): Promise<boolean> {
  return access(join(dir, 'lock.yaml')).then(
    () => true,
    () => false,
  );
}

describe('hbuild lock exit codes', () => {
  it('2 for unpinned or unsupported input, listing every line, writing nothing', async () => {
    const code = await run('ok==1.0\nloose>=1\n-e .\n');

    expect(code).toBe(2);
    expect(stderr).toContain('requirements.txt:2: loose>=1: not pinned to one version: >=1');
    expect(stderr).toContain('requirements.txt:3: -e .: editable requirements are not supported');
    expect(await written()).toBe(false);
  });

  it('3 when the index serves bytes that do not match the sha256 it lists', async () => {
    const sdist = await makeSdist('pkg', '1.0');
    index.add('pkg', { ...sdist, served: Buffer.from('something else') });

    const code = await run('pkg==1.0\n');

    expect(code).toBe(3);
    expect(stderr).toContain('served bytes hashing to');
    expect(await written()).toBe(false);
  });

  it('4 for a yanked or quarantined sdist', async () => {
    index.add('yanked', { ...(await makeSdist('yanked', '1.0')), yanked: true });
    index.add('young', { ...(await makeSdist('young', '1.0')), uploadTime: new Date().toISOString() });

    const yanked = await run('yanked==1.0\n');
    const young = await run('young==1.0\n');

    expect(yanked).toBe(4);
    expect(young).toBe(4);
    expect(stderr).toContain('younger than the 7-day quarantine');
    expect(stderr).toContain('hint: wait until it is old enough, lower --min-age, or exempt it');
  });

  it('4 for a name served by two indexes, without leaking credentials', async () => {
    const other = await startFakeIndex();
    index.add('shadowed', await makeSdist('shadowed', '1.0'));
    other.add('shadowed', await makeSdist('shadowed', '9.0'));

    const code = await run('shadowed==1.0\n', '--extra-index-url', other.url.replace('http://', 'http://user:hunter2@'));
    await other.close();

    expect(code).toBe(4);
    expect(stderr).toContain('shadowed is served by more than one index');
    expect(stderr).not.toContain('hunter2');
  });

  it('2 for bad flags, with the usage', async () => {
    const unknown = await run('x==1\n', '--no-such-flag');
    const minAge = await run('x==1\n', '--min-age', 'soon');
    const reason = await run('x==1\n', '--reason', 'because');

    expect([unknown, minAge, reason]).toEqual([2, 2, 2]);
    expect(stderr).toContain('Usage:\n  hbuild lock INPUT [options]');
  });
});
