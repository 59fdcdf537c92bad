import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockProject } from '../../src/resolve/lock-project.js';
import { readLock } from '../../src/lockfile/read.js';
import { fakeProbe, FIXED_ROOTFS, makeSdist, startFakeIndex, unitLockOptions, type FakeIndex } from '../fixtures/index-server.js';
import { useTempDir } from '../helpers/tmp.js';

let index: FakeIndex;
const tmp = useTempDir('lock-output');

beforeEach(async () => {
  index = await startFakeIndex();
  index.add('app', await makeSdist('app', '1.0', { requires: ['flit-core'] }));
  index.add('app', await makeSdist('app', '1.1', { requires: ['flit-core'] }));
  index.add('lib', await makeSdist('lib', '2.0', { requires: ['flit-core'] }));
  index.add('extra', await makeSdist('extra', '0.1', { requires: ['flit-core'] }));
  index.add('flit-core', await makeSdist('flit-core', '3.9.0', { backendPath: ['.'] }));
});
afterEach(async () => {
  await index.close();
});

async function lockFrom(text: string, overrides: Parameters<typeof unitLockOptions>[3] = {}) {
  const input = join(tmp.path, 'requirements.txt');
  await writeFile(input, text);
  return lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input, ...overrides }));
}

describe('lock.yaml output', () => {
  it('writes a valid lock that hbuild build reads, byte-identical on a second run from an empty start', async () => {
    await lockFrom('app==1.0\nlib==2.0\n');
    const first = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    await rm(join(tmp.path, 'lock.yaml'));

    await lockFrom('app==1.0\nlib==2.0\n');
    const second = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    const loaded = await readLock(join(tmp.path, 'lock.yaml'));

    expect(second).toBe(first);
    expect(loaded.lock.builder?.rootfs).toBe(FIXED_ROOTFS);
    expect(loaded.lock.packages.map((p) => `${p.name} ${p.version} [${(p['build-requires'] as string[]).join(',')}]`)).toEqual(['app 1.0 [flit-core==3.9.0]', 'flit-core 3.9.0 []', 'lib 2.0 [flit-core==3.9.0]']);
    expect(first).toMatch(/^# Written by `hbuild lock` from requirements.txt/);
    expect(first).toContain('    sdist:\n      file: app-1.0.tar.gz\n      sha256: ');
  });

  it('--check passes on a fresh lock and fails, writing nothing, when the input changed', async () => {
    await lockFrom('app==1.0\n');
    const before = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');

    const fresh = await lockFrom('app==1.0\n', { check: true });
    const stale = await lockFrom('app==1.1\n', { check: true });
    const after = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');

    expect(fresh.changed).toBe(false);
    expect(stale.changed).toBe(true);
    expect(stale.written).toBe(false);
    expect(after).toBe(before);
  });

  it('an update keeps hand-written comments and the wheel pins of unchanged entries, and drops the pin of a changed one', async () => {
    await lockFrom('app==1.0\nlib==2.0\n');
    const generated = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    const wheelPin = (name: string) => `    wheel:\n      file: ${name}-py3-none-any.whl\n      sha256: ${'c'.repeat(64)}\n`;
    const edited = generated
      .replace('  - name: lib\n', '  # lib: reviewed by security, ticket 42\n  - name: lib\n')
      .replace(/(  - name: lib\n(?:    .*\n|      .*\n)*)/, (m) => `${m}${wheelPin('lib-2.0')}`)
      .replace(/(  - name: app\n(?:    .*\n|      .*\n)*)/, (m) => `${m}${wheelPin('app-1.0')}`)
      .replace('builder:\n', 'builder:  # pinned by hand\n');
    await writeFile(join(tmp.path, 'lock.yaml'), edited);

    await lockFrom('app==1.1\nlib==2.0\nextra==0.1\n');
    const updated = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    const loaded = await readLock(join(tmp.path, 'lock.yaml'));

    expect(updated).toContain('builder:  # pinned by hand\n');
    expect(updated).toContain(`  # lib: reviewed by security, ticket 42\n  - name: lib\n`);
    expect(loaded.lock.packages.find((p) => p.name === 'lib')?.wheel?.sha256).toBe('c'.repeat(64));
    expect(loaded.lock.packages.find((p) => p.name === 'app')?.version).toBe('1.1');
    expect(loaded.lock.packages.find((p) => p.name === 'app')?.wheel).toBeUndefined();
    expect(loaded.lock.packages.map((p) => p.name)).toEqual(['app', 'extra', 'flit-core', 'lib']);
    const libBlock = (t: string): string => t.slice(t.indexOf('  # lib: reviewed'));
    expect(libBlock(updated)).toBe(libBlock(edited));
    expect(updated.slice(0, updated.indexOf('  - name: app'))).toBe(edited.slice(0, edited.indexOf('  - name: app')).replace('inputs:\n  - app\n  - lib\n', 'inputs:\n  - app\n  - extra\n  - lib\n'));
  });

  it('re-running with the same input and index leaves the file untouched', async () => {
    await lockFrom('app==1.0\n');
    const before = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');

    const again = await lockFrom('app==1.0\n');

    expect(again.changed).toBe(false);
    expect(await readFile(join(tmp.path, 'lock.yaml'), 'utf8')).toBe(before);
  });

  it('--add extends an existing lock, keeping every current pin', async () => {
    await lockFrom('app==1.0\n');

    await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { add: ['lib==2.0'] }));
    const loaded = await readLock(join(tmp.path, 'lock.yaml'));

    expect(loaded.lock.packages.map((p) => `${p.name} ${p.version}`)).toEqual(['app 1.0', 'flit-core 3.9.0', 'lib 2.0']);
  });

  it('records what the input asked for, extras included, and edits only that block when just it changes', async () => {
    await lockFrom('app[Fast,cli]==1.0\nflit-core==3.9.0\n');
    const first = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');

    await lockFrom('app[cli,fast]==1.0\n');
    const second = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    const loaded = await readLock(join(tmp.path, 'lock.yaml'));

    expect(first).toContain('inputs:\n  - "app[cli,fast]"\n  - flit-core\npackages:\n');
    expect(second).toBe(first.replace('  - flit-core\npackages:', 'packages:'));
    expect(loaded.lock.inputs).toEqual(['app[cli,fast]']);
  });

  it('replaces hand-written inputs in flow style with the block form, keeping the rest', async () => {
    await lockFrom('app==1.0\nlib==2.0\n');
    const text = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    await writeFile(join(tmp.path, 'lock.yaml'), text.replace('inputs:\n  - app\n  - lib\n', 'inputs: [app]   # by hand\n'));

    await lockFrom('app==1.0\nlib==2.0\n');

    expect(await readFile(join(tmp.path, 'lock.yaml'), 'utf8')).toBe(text);
  });

  it('--add adds to the recorded inputs, and keeps a lock that records none recording none', async () => {
    await lockFrom('app==1.0\n');
    const options = unitLockOptions(index, tmp.path, fakeProbe().probe, { add: ['lib==2.0'] });

    await lockProject(options);
    const withInputs = await readLock(join(tmp.path, 'lock.yaml'));
    const text = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    await writeFile(join(tmp.path, 'lock.yaml'), text.replace(/inputs:\n(  - .*\n)*/, ''));
    await lockProject({ ...options, add: ['extra==0.1'] });
    const without = await readLock(join(tmp.path, 'lock.yaml'));

    expect(withInputs.lock.inputs).toEqual(['app', 'lib']);
    expect(without.lock.inputs).toBeUndefined();
    expect(without.lock.packages.map((p) => p.name)).toEqual(['app', 'extra', 'flit-core', 'lib']);
  });

  it('removes an entry (and the comment above it) when the input drops it', async () => {
    await lockFrom('app==1.0\nlib==2.0\n');
    const text = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    await writeFile(join(tmp.path, 'lock.yaml'), text.replace('  - name: lib\n', '  # about lib\n  - name: lib\n'));

    await lockFrom('app==1.0\n');
    const updated = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');

    expect(updated).not.toContain('lib');
    expect(updated).toBe(text.replace(/  - name: lib\n[\s\S]*$/, '').replace('inputs:\n  - app\n  - lib\n', 'inputs:\n  - app\n'));
  });
});

describe('lock.yaml output from a hand-started lock', () => {
  it('fills an empty `packages: []`, keeping the rest of the file', async () => {
    const start = `# our lock\nversion: 1\nbuilder:\n  image: default\n  rootfs: ${FIXED_ROOTFS}  # pinned\nsettings:\n  source-date-epoch: 1700000000\npackages: []\n`;
    await writeFile(join(tmp.path, 'lock.yaml'), start);

    await lockFrom('lib==2.0\n');
    const text = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    const loaded = await readLock(join(tmp.path, 'lock.yaml'));

    expect(text.startsWith(start.replace('packages: []\n', 'inputs:\n  - lib\npackages:\n  - name: flit-core\n'))).toBe(true);
    expect(loaded.lock.settings?.['source-date-epoch']).toBe(1700000000);
    expect(loaded.lock.packages.map((p) => p.name)).toEqual(['flit-core', 'lib']);
  });
});
