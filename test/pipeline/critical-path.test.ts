import { describe, expect, it } from 'vitest';
import type { PlannedPackage } from '../../src/lockfile/plan.js';
import { criticalPathPriorities, estimatedCost } from '../../src/pipeline/critical-path.js';

/** A planned package; `compiled` gives its wheel pin a platform tag, `mb` its sdist's size. */
function pkg(name: string, buildRequires: string[], options: { compiled?: boolean; mb?: number; unpinned?: boolean } = {}): PlannedPackage {
  const tag = options.compiled ? 'cp311-cp311-linux_x86_64' : 'py3-none-any';
  return {
    name,
    key: name,
    version: '1.0',
    sdist: { file: `${name}-1.0.tar.gz`, sha256: '0'.repeat(64), ...(options.mb ? { size: options.mb * 1_000_000 } : {}) },
    buildRequires,
    ...(options.unpinned ? {} : { wheel: { file: `${name}-1.0-${tag}.whl`, sha256: '1'.repeat(64) } }),
  };
}

describe('estimatedCost', () => {
  it('counts a compiled build as ten pure ones plus a unit per MB of sdist; an unpinned build as pure', () => {
    expect(estimatedCost(pkg('tomli', []))).toBe(1);
    expect(estimatedCost(pkg('brotli', [], { compiled: true, mb: 7 }))).toBe(17);
    expect(estimatedCost(pkg('new', [], { unpinned: true, mb: 7 }))).toBe(1);
  });
});

describe('criticalPathPriorities', () => {
  // The shape of a real corpus: setuptools under everything, cython under five compiled users.
  const plan = {
    packages: [
      pkg('setuptools', []),
      pkg('cython', ['setuptools'], { compiled: true, mb: 4 }),
      pkg('brotli', ['setuptools'], { compiled: true, mb: 7 }),
      pkg('tomli', ['setuptools']),
      ...['yarl', 'frozenlist', 'propcache', 'pyyaml', 'sqlalchemy'].map((n) => pkg(n, ['cython', 'setuptools'], { compiled: true })),
    ],
  };
  const priorities = criticalPathPriorities(plan);

  it('puts a build others wait for before a costlier one nothing waits for', () => {
    expect(priorities.get('cython')).toBe(14 + 10);
    expect(priorities.get('brotli')).toBe(17);
    expect(priorities.get('setuptools')).toBe(1 + 24);
    expect(priorities.get('cython')!).toBeGreaterThan(priorities.get('brotli')!);
  });

  it('of two builds nothing waits for, puts the costlier first', () => {
    expect(priorities.get('brotli')!).toBeGreaterThan(priorities.get('tomli')!);
    expect(priorities.get('tomli')).toBe(1);
  });

  it('takes the longest chain, not the number of dependents', () => {
    const chain = criticalPathPriorities({ packages: [pkg('a', []), pkg('b', ['a']), pkg('c', ['b']), pkg('wide', []), ...['x', 'y', 'z'].map((n) => pkg(n, ['wide']))] });
    expect(chain.get('a')).toBe(3);
    expect(chain.get('wide')).toBe(2);
  });

  it('ends on a cycle (which the planner refuses before it gets here)', () => {
    const cyclic = criticalPathPriorities({ packages: [pkg('a', ['b']), pkg('b', ['a'])] });
    expect([...cyclic.keys()].sort()).toEqual(['a', 'b']);
  });
});
