import { describe, expect, it } from 'vitest';
import { HbuildError } from '../../src/core/errors.js';
import { planBuild } from '../../src/lockfile/plan.js';
import { parseLock } from '../../src/lockfile/read.js';
import { recordWheelsInText } from '../../src/lockfile/record-edit.js';

const H = 'b'.repeat(64);
const W = 'c'.repeat(64);
const ROOTFS = `sha256:${'f'.repeat(64)}`;

/** A lock from `name version [build-requires]` triples. */
function lockOf(entries: Array<[string, string, string[]]>): string {
  const body = entries.map(
    ([name, version, requires]) =>
      `  - name: ${name}\n    version: "${version}"\n    sdist: {file: ${name.replace(/-/g, '_')}-${version}.tar.gz, sha256: ${H}}\n    build-requires: [${requires.join(', ')}]\n`,
  );
  return `version: 1\nbuilder: {image: default, rootfs: ${ROOTFS}}\npackages:\n${body.join('')}`;
}

const TWO_BACKENDS = lockOf([
  ['blinker', '1.9.0', ['flit-core==3.12.0']],
  ['flit-core', '3.12.0', []],
  ['flit-core', '4.1.0', []],
  ['more-itertools', '11.2.1', ['flit-core==4.1.0']],
]);

function problemsOf(text: string): string[] {
  try {
    parseLock(text, '/w/lock.yaml');
  } catch (err) {
    if (err instanceof HbuildError && err.code === 'ERR_LOCK_INVALID') return (err.details['problems'] as Array<{ path: string; message: string }>).map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('a lock with several versions of one name', () => {
  it('plans both versions under name==version keys, each dependent after the version it names', () => {
    const loaded = parseLock(TWO_BACKENDS, '/w/lock.yaml');

    const plan = planBuild(loaded);

    expect(plan.packages.map((p) => `${p.key} [${p.buildRequires.join(', ')}]`)).toEqual([
      'flit-core==3.12.0 []',
      'blinker [flit-core==3.12.0]',
      'flit-core==4.1.0 []',
      'more-itertools [flit-core==4.1.0]',
    ]);
  });

  it('keeps the plain name as the key of a name the lock holds once, whether build-requires name it bare or with its version', () => {
    const loaded = parseLock(lockOf([['app', '1.0', ['flit-core==3.12.0']], ['lib', '1.0', ['flit-core']], ['flit-core', '3.12.0', []]]), '/w/lock.yaml');

    const plan = planBuild(loaded);

    expect(plan.packages.map((p) => `${p.key} [${p.buildRequires.join(', ')}]`)).toEqual(['flit-core []', 'app [flit-core]', 'lib [flit-core]']);
  });

  it('selects every version of an ambiguous name with --only, and one with name==version', () => {
    const loaded = parseLock(TWO_BACKENDS, '/w/lock.yaml');

    expect(planBuild(loaded, ['flit-core']).packages.map((p) => p.key)).toEqual(['flit-core==3.12.0', 'flit-core==4.1.0']);
    expect(planBuild(loaded, ['more-itertools']).packages.map((p) => p.key)).toEqual(['flit-core==4.1.0', 'more-itertools']);
    expect(planBuild(loaded, ['Flit_Core==4.1']).packages.map((p) => p.key)).toEqual(['flit-core==4.1.0']);
    expect(() => planBuild(loaded, ['flit-core==5.0'])).toThrow(/not in \/w\/lock\.yaml: flit-core==5\.0/);
  });

  it('refuses a bare name the lock holds several versions of, naming the entry and the versions', () => {
    const text = lockOf([['blinker', '1.9.0', ['flit-core']], ['flit-core', '3.12.0', []], ['flit-core', '4.1.0', []]]);

    expect(problemsOf(text)).toEqual(['packages[0].build-requires[0]: "flit-core" is ambiguous: this lock holds flit-core 3.12.0 and flit-core 4.1.0; write flit-core==VERSION']);
  });

  it('refuses the same name and version twice, a version the lock does not hold, and a malformed entry', () => {
    const text = lockOf([
      ['blinker', '1.9.0', ['flit-core==3.11.0', '"flit-core>=3"']],
      ['flit-core', '3.12.0', []],
      ['Flit_Core', '3.12.0', []],
    ]);

    expect(problemsOf(text)).toEqual([
      'packages[0].build-requires[1]: expected name==version (or a bare project name), like flit-core==3.12.0',
      'packages[0].build-requires[0]: "flit-core==3.11.0" is not a package in this lock (it holds flit-core 3.12.0)',
      'packages[2].name: duplicate package "Flit_Core" 3.12.0: packages[1] is "flit-core" 3.12.0, the same name (after normalisation) and version',
    ]);
  });

  it('reports a cycle through versioned entries with their versions', () => {
    const text = lockOf([['flit-core', '3.12.0', ['flit-core==4.1.0']], ['flit-core', '4.1.0', ['flit-core==3.12.0']]]);

    expect(problemsOf(text)).toEqual(['packages[0].build-requires: dependency cycle: flit-core 3.12.0 → flit-core 4.1.0 → flit-core 3.12.0']);
  });

  it('records a wheel pin in the entry of that name and version only', () => {
    const loaded = parseLock(TWO_BACKENDS, '/w/lock.yaml');

    const edited = recordWheelsInText(TWO_BACKENDS, loaded, new Map([['flit-core==4.1.0', { file: 'flit_core-4.1.0-py3-none-any.whl', sha256: W }]]));
    const reread = parseLock(edited, '/w/lock.yaml');

    expect(reread.lock.packages.map((p) => `${p.name} ${p.version} ${p.wheel?.file ?? '-'}`)).toEqual([
      'blinker 1.9.0 -',
      'flit-core 3.12.0 -',
      'flit-core 4.1.0 flit_core-4.1.0-py3-none-any.whl',
      'more-itertools 11.2.1 -',
    ]);
    expect(() => recordWheelsInText(TWO_BACKENDS, loaded, new Map([['flit-core', { file: 'flit_core-4.1.0-py3-none-any.whl', sha256: W }]]))).toThrow(/not in the lock: flit-core/);
  });
});
