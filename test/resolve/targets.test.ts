import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLock } from '../../src/lockfile/read.js';
import { targetLock } from '../../src/lockfile/targets.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { fakeProbe, FIXED_ROOTFS, makeSdist, startFakeIndex, unitLockOptions, type FakeIndex } from '../fixtures/index-server.js';
import { refusal } from '../helpers/errors.js';
import { useTempDir } from '../helpers/tmp.js';

const TRIXIE_ROOTFS = `sha256:${'cd'.repeat(32)}`;
const TARGETS = [
  { name: 'py311', image: 'default', rootfs: FIXED_ROOTFS },
  { name: 'py313', image: 'trixie', rootfs: TRIXIE_ROOTFS },
];

let index: FakeIndex;
const tmp = useTempDir('lock-targets');

beforeEach(async () => {
  index = await startFakeIndex();
  index.add('flit-core', await makeSdist('flit-core', '3.9.0', { backendPath: ['.'] }));
  index.add('tomli', await makeSdist('tomli', '2.0.1', { requires: ['flit-core'] }));
  index.add('app', await makeSdist('app', '1.0', { requires: ['flit-core', 'tomli; python_version < "3.13"'] }));
  index.add('old', await makeSdist('old', '1.0', { requires: ['flit-core'] }));
  index.add('new', { ...(await makeSdist('new', '1.0', { requires: ['flit-core'] })), requiresPython: '>=3.12' });
});
afterEach(async () => {
  await index.close();
});

async function lockFrom(text: string, overrides: Parameters<typeof unitLockOptions>[3] = {}) {
  const input = join(tmp.path, 'requirements.txt');
  await writeFile(input, text);
  return lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input, targets: TARGETS, ...overrides }));
}

describe('hbuild lock for several targets', () => {
  it('runs the closure per target (markers and build requirements per Python) and merges it into one lock', async () => {
    await lockFrom('app==1.0\nold==1.0 ; python_version < "3.13"\n');

    const loaded = await readLock(join(tmp.path, 'lock.yaml'));
    const { lock } = loaded;
    expect(lock.targets?.map((t) => `${t.name} ${t.image} ${t.rootfs}`)).toEqual([`py311 default ${FIXED_ROOTFS}`, `py313 trixie ${TRIXIE_ROOTFS}`]);
    expect(lock.builder).toBeUndefined();
    const app = lock.packages.find((p) => p.name === 'app')!;
    expect(app['build-requires']).toEqual({ py311: ['flit-core==3.9.0', 'tomli==2.0.1'], py313: ['flit-core==3.9.0'] });
    expect(lock.packages.find((p) => p.name === 'old')!.targets).toEqual(['py311']);
    expect(lock.packages.find((p) => p.name === 'tomli')!.targets).toEqual(['py311']);
    expect(lock.packages.find((p) => p.name === 'flit-core')!.targets).toBeUndefined();
    expect(targetLock(lock, 'py313').packages.map((p) => p.name)).toEqual(['app', 'flit-core']);
    expect(lock.inputs).toEqual(['app', 'old']);
  });

  it('gives a name an entry per version where targets resolve it differently, each with its targets', async () => {
    index.add('flit-core', { ...(await makeSdist('flit-core', '3.12.0', { backendPath: ['.'] })), requiresPython: '>=3.12' });
    await lockFrom('app==1.0\n');

    const { lock } = await readLock(join(tmp.path, 'lock.yaml'));
    const flit = lock.packages.filter((p) => p.name === 'flit-core').map((p) => `${p.version} ${JSON.stringify(p.targets ?? 'all')}`);
    expect(flit.sort()).toEqual(['3.12.0 ["py313"]', '3.9.0 ["py311"]']);
    const app = lock.packages.find((p) => p.name === 'app')!;
    expect(app['build-requires']).toEqual({ py311: ['flit-core==3.9.0', 'tomli==2.0.1'], py313: ['flit-core==3.12.0'] });
    // Each target's view is an ordinary one-target lock with one flit-core.
    expect(targetLock(lock, 'py313').packages.map((p) => `${p.name} ${p.version}`)).toEqual(['app 1.0', 'flit-core 3.12.0']);
    expect(targetLock(lock, 'py311').packages.filter((p) => p.name === 'flit-core').map((p) => p.version)).toEqual(['3.9.0']);
  });

  it('is byte-identical on a second run, and keeps the wheel pins of unchanged entries per target', async () => {
    await lockFrom('app==1.0\n');
    const path = join(tmp.path, 'lock.yaml');
    const first = await readFile(path, 'utf8');
    const pinned = first.replace('    build-requires:\n      py311:', `    wheels:\n      py313: {file: app-1.0-py3-none-any.whl, sha256: ${'e'.repeat(64)}}\n    build-requires:\n      py311:`);
    await writeFile(path, pinned);

    const again = await lockFrom('app==1.0\n', { targets: undefined });

    expect(again.text).toContain(`    wheels:\n      py313: {file: app-1.0-py3-none-any.whl, sha256: ${'e'.repeat(64)}}\n`);
    expect(again.text.replace(/    wheels:\n.*\n/, '')).toBe(first);
  });

  it('names the target a release is unavailable for', async () => {
    const err = await refusal(lockFrom('new==1.0\n'));

    expect(err.code).toBe('ERR_USAGE');
    expect(err.message).toContain("new-1.0.tar.gz requires Python >=3.12, not target py311's 3.11.2");
    expect(err.details['target']).toBe('py311');
  });

  it("migrates a one-target lock when given targets, keeping the old builder's rootfs for the same image", async () => {
    const progress: string[] = [];
    await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await writeInput('old==1.0\n') }));

    await lockFrom('old==1.0\n', { targets: [{ name: 'py311', image: 'default' }, TARGETS[1]!], progress: (m) => progress.push(m) });

    const { lock } = await readLock(join(tmp.path, 'lock.yaml'));
    expect(lock.targets?.[0]).toEqual({ name: 'py311', image: 'default', rootfs: FIXED_ROOTFS });
    expect(progress[0]).toMatch(/^migrating .*lock\.yaml from one builder to targets py311, py313: the file is written anew/);
  });

  it('refuses a single --target', async () => {
    const err = await refusal(lockFrom('old==1.0\n', { targets: [TARGETS[0]!] }));

    expect(err.message).toMatch(/one --target makes a lock with one target/);
  });
});

async function writeInput(text: string): Promise<string> {
  const input = join(tmp.path, 'requirements.txt');
  await writeFile(input, text);
  return input;
}

describe('hbuild lock for one target', () => {
  it("evaluates markers for its image's Python: a trixie lock is locked for CPython 3.13", async () => {
    const input = await writeInput('app==1.0\nold==1.0 ; python_version < "3.13"\n');

    const result = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input, builder: { image: 'trixie', rootfs: TRIXIE_ROOTFS } }));

    expect(result.packages.map((p) => `${p.name} [${p.buildRequires.join(',')}]`)).toEqual(['app [flit-core==3.9.0]', 'flit-core []']);
    expect(result.skipped.map((s) => s.name)).toEqual(['old']);
    expect((await readLock(join(tmp.path, 'lock.yaml'))).lock.builder).toEqual({ image: 'trixie', rootfs: TRIXIE_ROOTFS });
  });
});
