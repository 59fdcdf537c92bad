import { describe, expect, it } from 'vitest';
import { parseLock } from '../../src/lockfile/read.js';
import { planBuild } from '../../src/lockfile/plan.js';

const H = 'b'.repeat(64);
const ROOTFS = `sha256:${'f'.repeat(64)}`;

function lockOf(packages: Record<string, string[]>, settings = ''): string {
  const entries = Object.entries(packages).map(
    ([name, requires]) =>
      `  - name: ${name}\n    version: '1.0'\n    sdist: {file: ${name}-1.0.tar.gz, sha256: ${H}}\n    build-requires: [${requires.join(', ')}]\n`,
  );
  return `version: 1\nbuilder: {image: default, rootfs: ${ROOTFS}}\n${settings}packages:\n${entries.join('')}`;
}

describe('planBuild', () => {
  it('orders dependencies first, breaking ties by normalised name', () => {
    const loaded = parseLock(
      lockOf({ zope: [], Wheel: ['flit-core'], 'flit-core': [], Setuptools: [], hatchling: ['Wheel', 'setuptools'], attrs: ['hatchling'] }),
      '/w/lock.yaml',
    );

    const plan = planBuild(loaded);

    expect(plan.packages.map((p) => p.key)).toEqual(['flit-core', 'setuptools', 'wheel', 'hatchling', 'attrs', 'zope']);
    expect(plan.packages.find((p) => p.key === 'hatchling')?.buildRequires).toEqual(['setuptools', 'wheel']);
    expect(plan.packages.find((p) => p.key === 'wheel')?.name).toBe('Wheel');
  });

  it('fills in build settings and the builder', () => {
    const loaded = parseLock(lockOf({ a: [] }), '/w/lock.yaml');

    const plan = planBuild(loaded);

    expect(plan).toEqual({
      lockPath: '/w/lock.yaml',
      target: 'default',
      builder: { image: 'default', rootfs: ROOTFS },
      sourceDateEpoch: 315532800,
      packages: [{ name: 'a', key: 'a', version: '1.0', sdist: { file: 'a-1.0.tar.gz', sha256: H }, buildRequires: [] }],
    });
  });

  it('takes settings from the lock and resolves sdist paths against its directory', () => {
    const text = lockOf({ a: [] }, 'settings: {source-date-epoch: 1700000000, jobs: 3}\n').replace(
      `sha256: ${H}}`,
      `sha256: ${H}, path: ../sdists/a-1.0.tar.gz}`,
    );
    const loaded = parseLock(text, '/w/locks/lock.yaml');

    const plan = planBuild(loaded);

    expect(plan.sourceDateEpoch).toBe(1700000000);
    expect(plan.jobs).toBe(3);
    expect(plan.packages[0]?.sdist.path).toBe('/w/sdists/a-1.0.tar.gz');
  });

  it('narrows to the named packages and everything they build-require', () => {
    const loaded = parseLock(
      lockOf({ a: ['b'], b: ['c'], c: [], d: ['c'], e: [] }),
      '/w/lock.yaml',
    );

    const plan = planBuild(loaded, ['A', 'E']);

    expect(plan.packages.map((p) => p.key)).toEqual(['c', 'b', 'a', 'e']);
  });

  it('plans everything when `only` is empty', () => {
    const loaded = parseLock(lockOf({ a: [], b: [] }), '/w/lock.yaml');

    const plan = planBuild(loaded, []);

    expect(plan.packages.map((p) => p.key)).toEqual(['a', 'b']);
  });

  it('refuses names that are not in the lock, listing them all', () => {
    const loaded = parseLock(lockOf({ a: [] }), '/w/lock.yaml');

    const act = () => planBuild(loaded, ['a', 'nope', 'Also_Nope']);

    expect(act).toThrow(expect.objectContaining({ code: 'ERR_USAGE', message: 'not in /w/lock.yaml: nope, Also_Nope' }));
  });
});

describe('planBuild at the package limit', () => {
  it('plans a 5000-long chain of build requirements without recursion', () => {
    const chain: Record<string, string[]> = {};
    for (let i = 0; i < 5000; i++) chain[`p${i}`] = i === 0 ? [] : [`p${i - 1}`];
    const loaded = parseLock(lockOf(chain), '/w/lock.yaml');

    const plan = planBuild(loaded, ['p4999']);

    expect(plan.packages).toHaveLength(5000);
    expect(plan.packages[0]?.key).toBe('p0');
    expect(plan.packages[4999]?.key).toBe('p4999');
  });
});
