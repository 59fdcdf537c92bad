import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import { planBuild } from '../../src/lockfile/plan.js';
import { readLock } from '../../src/lockfile/read.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { fakeProbe, makeSdist, startFakeIndex, unitLockOptions, type FakeIndex } from '../fixtures/index-server.js';
import { useTempDir } from '../helpers/tmp.js';

let index: FakeIndex;
const tmp = useTempDir('lock-versions');

beforeEach(async () => {
  index = await startFakeIndex();
});
afterEach(async () => {
  await index.close();
});

async function publish(name: string, version: string, spec: Parameters<typeof makeSdist>[2] = {}): Promise<void> {
  index.add(name, await makeSdist(name, version, spec));
}

async function requirements(text: string): Promise<string> {
  const path = join(tmp.path, 'requirements.txt');
  await writeFile(path, text);
  return path;
}

const summary = (packages: Array<{ name: string; version: string; buildRequires: string[] }>): string[] => packages.map((p) => `${p.name} ${p.version} [${p.buildRequires.join(', ')}]`);

describe('one build environment per package', () => {
  it('locks two versions of one backend when packages need incompatible ranges, each entry naming its exact version', async () => {
    await publish('blinker', '1.9.0', { requires: ['flit-core<4'] });
    await publish('more-itertools', '11.2.1', { requires: ['flit-core>=4,<5'] });
    for (const v of ['3.11.0', '3.12.0', '4.0.0', '4.1.0']) await publish('flit-core', v, { backendPath: ['.'] });
    const { probe, builds } = fakeProbe();

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('blinker==1.9.0\nmore-itertools==11.2.1\n') }));
    const text = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    const plan = planBuild(await readLock(join(tmp.path, 'lock.yaml')));

    expect(summary(result.packages)).toEqual(['blinker 1.9.0 [flit-core==3.12.0]', 'flit-core 3.12.0 []', 'flit-core 4.1.0 []', 'more-itertools 11.2.1 [flit-core==4.1.0]']);
    expect(text).toContain('    build-requires: [flit-core==3.12.0]\n');
    expect(builds).toEqual(['flit-core 3.12.0 after []', 'flit-core 4.1.0 after []']);
    expect(plan.packages.map((p) => p.key)).toEqual(['flit-core==3.12.0', 'blinker', 'flit-core==4.1.0', 'more-itertools']);
  });

  it('shares a version another environment already uses when the range allows, before the newest', async () => {
    await publish('alpha', '1.0', { requires: ['tool<3'] });
    await publish('beta', '1.0', { requires: ['tool>=1'] });
    for (const v of ['1.0', '2.0', '3.0']) await publish('tool', v, { backendPath: ['.'] });
    const { probe } = fakeProbe();

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('alpha==1.0\nbeta==1.0\n') }));

    expect(summary(result.packages)).toEqual(['alpha 1.0 [tool==2.0]', 'beta 1.0 [tool==2.0]', 'tool 2.0 []']);
  });

  it('keeps one environment consistent with the runtime dependencies of its wheels', async () => {
    await publish('app', '1.0', { requires: ['backend', 'plugin'] });
    await publish('other', '1.0', { requires: ['backend>=2'] });
    for (const v of ['1.0', '2.0']) await publish('backend', v, { backendPath: ['.'] });
    await publish('plugin', '1.0', { backendPath: ['.'] });
    const { probe } = fakeProbe({ requiresDist: { plugin: ['backend<2'] } });

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('app==1.0\nother==1.0\n') }));

    expect(summary(result.packages)).toEqual(['app 1.0 [backend==1.0, plugin==1.0]', 'backend 1.0 []', 'backend 2.0 []', 'other 1.0 [backend==2.0]', 'plugin 1.0 []']);
  });

  it('reports a conflict within one environment, naming who asked', async () => {
    await publish('app', '1.0', { requires: ['backend<2', 'plugin'] });
    for (const v of ['1.0', '2.0']) await publish('backend', v, { backendPath: ['.'] });
    await publish('plugin', '1.0', { backendPath: ['.'] });
    const { probe } = fakeProbe({ requiresDist: { plugin: ['backend>=2'] } });

    const error = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('app==1.0\n') })).catch((e: unknown) => e);

    expect(isHbuildError(error, 'ERR_USAGE')).toBe(true);
    expect((error as Error).message).toMatch(/no admissible sdist for the build requirement backend >=2,<2 .*\(asked for by plugin 1\.0, app 1\.0\)/);
  });

  it('keeps the versions the current lock holds on a second run, and writes the same bytes', async () => {
    await publish('blinker', '1.9.0', { requires: ['flit-core<4'] });
    await publish('more-itertools', '11.2.1', { requires: ['flit-core>=4'] });
    for (const v of ['3.12.0', '4.1.0']) await publish('flit-core', v, { backendPath: ['.'] });
    const { probe } = fakeProbe();
    const options = unitLockOptions(index, tmp.path, probe, { input: await requirements('blinker==1.9.0\nmore-itertools==11.2.1\n') });
    await lockProject(options);
    const first = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');
    await publish('flit-core', '3.13.0', { backendPath: ['.'] });
    await publish('flit-core', '4.2.0', { backendPath: ['.'] });

    const again = await lockProject(options);

    expect(again.changed).toBe(false);
    expect(await readFile(join(tmp.path, 'lock.yaml'), 'utf8')).toBe(first);
  });

  it('--add on a lock with two versions of a backend keeps both, and the new package shares one', async () => {
    await publish('blinker', '1.9.0', { requires: ['flit-core<4'] });
    await publish('more-itertools', '11.2.1', { requires: ['flit-core>=4'] });
    await publish('extra', '1.0', { requires: ['flit-core>=3.12'] });
    for (const v of ['3.12.0', '4.1.0']) await publish('flit-core', v, { backendPath: ['.'] });
    const { probe } = fakeProbe();
    await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('blinker==1.9.0\nmore-itertools==11.2.1\n') }));

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { add: ['extra==1.0'] }));
    const loaded = await readLock(join(tmp.path, 'lock.yaml'));

    expect(summary(result.packages)).toEqual([
      'blinker 1.9.0 [flit-core==3.12.0]',
      'extra 1.0 [flit-core==3.12.0]',
      'flit-core 3.12.0 []',
      'flit-core 4.1.0 []',
      'more-itertools 11.2.1 [flit-core==4.1.0]',
    ]);
    expect(loaded.lock.inputs).toEqual(['blinker', 'extra', 'more-itertools']);
  });

  it('is a fixed point: a second run keeps the newest version for a range both versions satisfy', async () => {
    await publish('a-pkg', '1.0', { requires: ['tool'] });
    await publish('b-pkg', '1.0', { requires: ['tool<2'] });
    for (const v of ['1.0', '2.0']) await publish('tool', v, { backendPath: ['.'] });
    const { probe } = fakeProbe();
    const options = unitLockOptions(index, tmp.path, probe, { input: await requirements('a-pkg==1.0\nb-pkg==1.0\n') });
    const first = await lockProject(options);

    const again = await lockProject(options);

    expect(summary(first.packages)).toEqual(['a-pkg 1.0 [tool==2.0]', 'b-pkg 1.0 [tool==1.0]', 'tool 1.0 []', 'tool 2.0 []']);
    expect(again.changed).toBe(false);
  });
});
