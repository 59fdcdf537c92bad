import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { fakeProbe, makeSdist, startFakeIndex, unitLockOptions, type FakeIndex } from '../fixtures/index-server.js';
import { useTempDir } from '../helpers/tmp.js';

let index: FakeIndex;
const tmp = useTempDir('lock-closure');

beforeEach(async () => {
  index = await startFakeIndex();
});
afterEach(async () => {
  await index.close();
});

async function publish(name: string, version: string, spec: Parameters<typeof makeSdist>[2] = {}, uploadTime?: string): Promise<void> {
  index.add(name, { ...(await makeSdist(name, version, spec)), ...(uploadTime ? { uploadTime } : {}) });
}

async function requirements(text: string): Promise<string> {
  const path = join(tmp.path, 'requirements.txt');
  await writeFile(path, text);
  return path;
}

function entry(text: string, name: string): string {
  const start = text.indexOf(`- name: ${name}\n`);
  const next = text.indexOf('\n  - name:', start + 1);
  return text.slice(start, next < 0 ? undefined : next);
}

describe('build-requirement closure', () => {
  it('pins static [build-system] requirements to the newest admissible sdist and follows their runtime dependencies', async () => {
    await publish('app', '1.0', { requires: ['backend-x>=1'] });
    await publish('backend-x', '1.0', { requires: [], backendPath: ['.'] });
    await publish('backend-x', '2.0', { requires: [], backendPath: ['.'] });
    await publish('helper', '0.5', { requires: [], backendPath: ['.'] });
    const { probe, builds } = fakeProbe({ requiresDist: { 'backend-x': ['helper>=0.1', 'windows-only; sys_platform == "win32"'] } });

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('app==1.0\n') }));

    expect(result.packages.map((p) => `${p.name} ${p.version} [${p.buildRequires.join(', ')}]`)).toEqual([
      'app 1.0 [backend-x==2.0, helper==0.5]',
      'backend-x 2.0 []',
      'helper 0.5 []',
    ]);
    expect(builds).toEqual(['backend-x 2.0 after []', 'helper 0.5 after []']);
  });

  it('gives a legacy sdist (no pyproject.toml) setuptools and wheel, as pip 23.0.1 does', async () => {
    await publish('legacy', '1.0', { pyproject: null });
    await publish('setuptools', '75.0', { backendPath: ['.'] });
    await publish('wheel', '0.45.1', { requires: ['flit-core'] });
    await publish('flit-core', '3.9.0', { backendPath: ['.'] });
    const { probe } = fakeProbe();

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('legacy==1.0\n') }));

    expect(result.packages.map((p) => `${p.name} [${p.buildRequires.join(', ')}]`)).toEqual([
      'flit-core []',
      'legacy [setuptools==75.0, wheel==0.45.1]',
      'setuptools []',
      'wheel [flit-core==3.9.0]',
    ]);
  });

  it('adds what get_requires_for_build_wheel asks for, run with the static closure installed', async () => {
    await publish('app', '1.0', { requires: ['setuptools'] });
    await publish('setuptools', '75.0', { backendPath: ['.'] });
    await publish('calver', '2022.6.26', { requires: ['setuptools'] });
    const { probe, hooks } = fakeProbe({ dynamic: { app: ['calver'] } });

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('app==1.0\n') }));

    expect(result.packages.find((p) => p.name === 'app')?.buildRequires).toEqual(['calver==2022.6.26', 'setuptools==75.0']);
    expect(hooks).toContain('app 1.0 with [setuptools]');
  });

  it("adds auditwheel and its runtime dependencies to the build environment of a package whose recipe repairs its wheel, and only there", async () => {
    await publish('app', '1.0', { requires: ['setuptools'] });
    await publish('other', '1.0', { requires: ['setuptools'] });
    await publish('setuptools', '75.0', { backendPath: ['.'] });
    await publish('auditwheel', '6.0.0', { requires: ['setuptools'] });
    await publish('auditwheel', '6.7.0', { requires: ['setuptools'] });
    await publish('auditwheel', '6.8.0', { requires: ['setuptools'] });
    await publish('pyelftools', '0.32', { requires: ['setuptools'] });
    await publish('packaging', '25.0', { requires: ['setuptools'] });
    const recipes = join(tmp.path, 'recipes');
    await mkdir(recipes, { recursive: true });
    await writeFile(join(recipes, 'app.yaml'), 'debian-packages: [patchelf]\nrepair:\n  platform: manylinux_2_36_x86_64\n');
    const { probe, builds } = fakeProbe({ requiresDist: { auditwheel: ['packaging>=20.9', 'pyelftools>=0.24'] } });

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('app==1.0\nother==1.0\n'), recipesDir: recipes }));

    expect(result.packages.find((p) => p.name === 'app')?.buildRequires).toEqual(['auditwheel==6.7.0', 'packaging==25.0', 'pyelftools==0.32', 'setuptools==75.0']);
    expect(result.packages.find((p) => p.name === 'other')?.buildRequires).toEqual(['setuptools==75.0']);
    // The newest auditwheel that works with the builder's Debian patchelf (0.14.3).
    expect(result.packages.find((p) => p.name === 'auditwheel')?.version).toBe('6.7.0');
    expect(builds).toContain('auditwheel 6.7.0 after [setuptools]');
  });

  it('lets a self-hosted backend (backend-path) provide itself, as hatchling and flit-core do', async () => {
    await publish('hatchling', '1.27.0', { requires: [], backendPath: ['src'] });
    await publish('packaging', '24.2', { backendPath: ['.'] });
    const { probe } = fakeProbe({ dynamic: { hatchling: ['packaging', 'hatchling'] } });

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('hatchling==1.27.0\n') }));

    expect(result.packages.map((p) => `${p.name} [${p.buildRequires.join(', ')}]`)).toEqual(['hatchling [packaging==24.2]', 'packaging []']);
  });

  it('reports a cycle no self-hosted backend breaks, with its path', async () => {
    await publish('app', '1.0', { requires: ['alpha'] });
    await publish('alpha', '1.0', { requires: ['beta'] });
    await publish('beta', '1.0', { requires: ['alpha'] });
    const { probe } = fakeProbe();

    const error = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('app==1.0\n') })).catch((e: unknown) => e);

    expect(isHbuildError(error, 'ERR_USAGE')).toBe(true);
    expect((error as Error).message).toContain('alpha → beta → alpha');
  });

  it('skips sdists younger than --min-age and resolves an environment again when a later requirement in it rules out an earlier choice', async () => {
    await publish('app', '1.0', { requires: ['tool', 'plugin'] });
    await publish('tool', '1.0', { backendPath: ['.'] });
    await publish('tool', '2.0', { backendPath: ['.'] });
    await publish('tool', '3.0', { backendPath: ['.'] }, '2024-12-30T00:00:00Z');
    await publish('plugin', '1.0', { backendPath: ['.'] });
    const { probe } = fakeProbe({ requiresDist: { plugin: ['tool<2'] } });

    const result = await lockProject(unitLockOptions(index, tmp.path, probe, { input: await requirements('app==1.0\n') }));
    const text = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');

    expect(result.packages.map((p) => `${p.name} ${p.version}`)).toEqual(['app 1.0', 'plugin 1.0', 'tool 1.0']);
    expect(entry(text, 'tool')).toContain('version: "1.0"');
  });
});
