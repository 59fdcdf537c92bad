import { describe, expect, it } from 'vitest';
import { sdistFileMatches, wheelFileMatches } from '../../src/lockfile/names.js';
import { normalizeName } from '../../src/core/pep503.js';

describe('normalizeName', () => {
  it.each([
    ['Flit_Core', 'flit-core'],
    ['zope.interface', 'zope-interface'],
    ['a-_.-b', 'a-b'],
    ['Django', 'django'],
  ])('%s → %s', (name, expected) => {
    const key = normalizeName(name);

    expect(key).toBe(expected);
  });
});

describe('file names', () => {
  it.each([
    ['flit_core-3.9.0.tar.gz', 'flit-core', '3.9.0', true],
    ['flit-core-3.9.0.tar.gz', 'Flit_Core', '3.9.0', true],
    ['python-dateutil-2.8.2.tar.gz', 'python-dateutil', '2.8.2', true],
    ['Django-4.2RC1.tar.gz', 'django', '4.2rc1', true],
    ['flit_core-3.9.0.tar.gz', 'flit-core', '3.9.1', false],
    ['flit_core_extra-3.9.0.tar.gz', 'flit-core', '3.9.0', false],
    ['flit_core-3.9.0.zip', 'flit-core', '3.9.0', false],
  ])('sdist %s for %s %s: %s', (file, name, version, expected) => {
    const matches = sdistFileMatches(file, name, version);

    expect(matches).toBe(expected);
  });

  it.each([
    ['flit_core-3.9.0-py3-none-any.whl', 'flit-core', '3.9.0', true],
    ['zope.interface-6.0-1-cp311-cp311-linux_x86_64.whl', 'zope-interface', '6.0', true],
    ['flit_core-3.9.0-py3-none.whl', 'flit-core', '3.9.0', false],
    ['other-3.9.0-py3-none-any.whl', 'flit-core', '3.9.0', false],
  ])('wheel %s for %s %s: %s', (file, name, version, expected) => {
    const matches = wheelFileMatches(file, name, version);

    expect(matches).toBe(expected);
  });
});
