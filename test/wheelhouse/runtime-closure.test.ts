import { describe, expect, it } from 'vitest';
import { HbuildError } from '../../src/core/errors.js';
import { runtimeClosure, type BuiltPackage } from '../../src/wheelhouse/runtime-closure.js';

function built(specs: Record<string, string[]>, versions: Record<string, string> = {}): Map<string, BuiltPackage> {
  return new Map(
    Object.entries(specs).map(([key, requiresDist]) => [key, { name: key, version: versions[key] ?? '1.0', wheelFile: `${key.replace(/-/g, '_')}-1.0-py3-none-any.whl`, requiresDist }]),
  );
}

function thrown(fn: () => unknown): HbuildError {
  try {
    fn();
  } catch (err) {
    if (err instanceof HbuildError) return err;
    throw err;
  }
  throw new Error('expected an HbuildError');
}

describe('the runtime closure of the requested packages', () => {
  it('follows Requires-Dist transitively and leaves build-only packages out', () => {
    const packages = built({ app: ['lib>=1', 'Other_Lib'], lib: ['leaf'], 'other-lib': [], leaf: [], setuptools: [], hatchling: ['packaging'], packaging: [] });

    const closure = runtimeClosure([{ key: 'app', extras: [] }], packages, new Set(packages.keys()));

    expect([...closure.runtime].sort()).toEqual(['app', 'leaf', 'lib', 'other-lib']);
    expect(closure.notBuilt).toEqual([]);
  });

  it('evaluates markers for the builder: CPython 3.11 on linux x86_64', () => {
    const packages = built({
      app: ['tomli; python_version < "3.11"', 'colorama; sys_platform == "win32"', 'uvloop; sys_platform == "linux" and platform_machine == "x86_64"', 'exceptiongroup; python_full_version >= "3.11.0"'],
      tomli: [],
      colorama: [],
      uvloop: [],
      exceptiongroup: [],
    });

    const closure = runtimeClosure([{ key: 'app', extras: [] }], packages, new Set(packages.keys()));

    expect([...closure.runtime].sort()).toEqual(['app', 'exceptiongroup', 'uvloop']);
  });

  it('follows extras the input asked for, and those a dependency asks of another, but no others', () => {
    const packages = built({
      requests: ['idna', 'PySocks!=1.5.7,>=1.5.6; extra == "socks"', 'chardet; extra == "use-chardet-on-py3"'],
      idna: [],
      pysocks: [],
      chardet: [],
      app: ['httpx[http2]'],
      httpx: ['h2; extra == "http2"', 'brotli; extra == "brotli"'],
      h2: [],
      brotli: [],
    }, { pysocks: '1.7.1' });

    const socks = runtimeClosure([{ key: 'requests', extras: ['socks'] }], packages, new Set(packages.keys()));
    const plain = runtimeClosure([{ key: 'requests', extras: [] }, { key: 'app', extras: [] }], packages, new Set(packages.keys()));

    expect([...socks.runtime].sort()).toEqual(['idna', 'pysocks', 'requests']);
    expect([...plain.runtime].sort()).toEqual(['app', 'h2', 'httpx', 'idna', 'requests']);
  });

  it('follows a package again when it is reached later with more extras', () => {
    const packages = built({ a: ['lib'], b: ['lib[extra]'], lib: ['more; extra == "extra"'], more: [] });

    const closure = runtimeClosure([{ key: 'a', extras: [] }, { key: 'b', extras: [] }], packages, new Set(packages.keys()));

    expect([...closure.runtime].sort()).toEqual(['a', 'b', 'lib', 'more']);
  });

  it('ends at cycles, including a package that requires itself with extras', () => {
    const packages = built({ a: ['b'], b: ['a', 'c'], c: ['a'], d: ['d[x]', 'e; extra == "x"'], e: [] });

    const closure = runtimeClosure([{ key: 'a', extras: [] }, { key: 'd', extras: [] }], packages, new Set(packages.keys()));

    expect([...closure.runtime].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('refuses a runtime dependency the lock does not have, naming it and who requires it', () => {
    const packages = built({ app: ['lib'], lib: ['missing-dep>=2'] });

    const error = thrown(() => runtimeClosure([{ key: 'app', extras: [] }], packages, new Set(packages.keys())));

    expect(error.code).toBe('ERR_LOCK_INVALID');
    expect(error.message).toBe('lib 1.0 requires missing-dep at run time, and the lock has no missing-dep');
    expect(error.hint).toContain('hbuild lock --add missing-dep==VERSION');
  });

  it('refuses a locked version that the requirer excludes', () => {
    const packages = built({ app: ['lib>=2,<3'], lib: [] }, { lib: '1.5' });

    const error = thrown(() => runtimeClosure([{ key: 'app', extras: [] }], packages, new Set(packages.keys())));

    expect(error.code).toBe('ERR_LOCK_INVALID');
    expect(error.message).toBe('app 1.0 requires lib>=2,<3, and the lock pins lib 1.5');
  });

  it('names what the lock has but this run did not build (--only), and leaves it out', () => {
    const packages = built({ app: ['lib'] });

    const closure = runtimeClosure([{ key: 'app', extras: [] }, { key: 'unbuilt-input', extras: [] }], packages, new Set(['app', 'lib', 'unbuilt-input']));

    expect([...closure.runtime]).toEqual(['app']);
    expect(closure.notBuilt).toEqual([{ key: 'lib', requiredBy: 'app 1.0' }]);
  });

  it('refuses unusable Requires-Dist text: a direct URL, a broken or host-dependent marker', () => {
    const cases = ['lib @ https://example.invalid/lib.whl', 'lib; python_version <', 'lib; platform_release >= "6"'];

    const errors = cases.map((text) => thrown(() => runtimeClosure([{ key: 'app', extras: [] }], built({ app: [text], lib: [] }), new Set(['app', 'lib']))));

    expect(errors.map((e) => e.code)).toEqual(['ERR_WHEEL_INVALID', 'ERR_WHEEL_INVALID', 'ERR_WHEEL_INVALID']);
    expect(errors[0]?.message).toContain('app 1.0: Requires-Dist "lib @ https://example.invalid/lib.whl" in app-1.0-py3-none-any.whl is unusable: a direct URL reference');
    expect(errors[2]?.message).toContain("platform_release depends on the build host's kernel");
  });
});
