import { describe, expect, it } from 'vitest';
import { HbuildError } from '../../src/core/errors.js';
import { formatInputEntry, parseInputEntry, requestedPackages } from '../../src/lockfile/inputs.js';
import { parseLock } from '../../src/lockfile/read.js';

const ROOTFS = `sha256:${'f'.repeat(64)}`;

function lockWith(inputs: string): string {
  return `version: 1
builder:
  image: default
  rootfs: ${ROOTFS}
${inputs}packages:
  - name: flit-core
    version: "3.9.0"
    sdist: {file: flit_core-3.9.0.tar.gz, sha256: ${'1'.repeat(64)}}
  - name: Typing_Extensions
    version: "4.8.0"
    sdist: {file: typing_extensions-4.8.0.tar.gz, sha256: ${'2'.repeat(64)}}
    build-requires: [flit-core]
`;
}

function problemsOf(text: string): Array<{ path: string; line: number; message: string }> {
  try {
    parseLock(text, '/locks/lock.yaml');
  } catch (err) {
    if (err instanceof HbuildError && err.code === 'ERR_LOCK_INVALID') return err.details['problems'] as Array<{ path: string; line: number; message: string }>;
    throw err;
  }
  throw new Error('expected ERR_LOCK_INVALID');
}

describe('the lock records its inputs', () => {
  it('reads inputs with extras, matching packages by normalised name', () => {
    const text = lockWith('inputs:\n  - typing.extensions[Fast,fast,a_b]\n');

    const loaded = parseLock(text, '/locks/lock.yaml');

    expect(loaded.lock.inputs).toEqual(['typing.extensions[Fast,fast,a_b]']);
    expect(requestedPackages(loaded.lock)).toEqual([{ key: 'typing-extensions', extras: ['a-b', 'fast'] }]);
  });

  it('treats a lock without inputs as one whose every package was asked for', () => {
    const loaded = parseLock(lockWith(''), '/locks/lock.yaml');

    expect(loaded.lock.inputs).toBeUndefined();
    expect(requestedPackages(loaded.lock)).toBeUndefined();
  });

  it('reports an input naming no package, a second entry for one package and malformed entries, each with its line', () => {
    const text = lockWith('inputs: [typing-extensions, numpy, "Typing_Extensions[x]", "a b", "x[]", [flit-core]]\n');

    const problems = problemsOf(text);

    expect([...problems].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { path: 'inputs[1]', line: 5, message: '"numpy" names no package of this lock' },
      { path: 'inputs[2]', line: 5, message: '"Typing_Extensions[x]" names typing-extensions again (inputs[0]); give its extras in one entry' },
      { path: 'inputs[3]', line: 5, message: 'expected a project name, optionally with extras, like requests or requests[socks,security]' },
      { path: 'inputs[4]', line: 5, message: 'expected a project name, optionally with extras, like requests or requests[socks,security]' },
      { path: 'inputs[5]', line: 5, message: 'expected a string, got a list' },
    ]);
  });

  it('refuses an inputs key that is not a list', () => {
    expect(problemsOf(lockWith('inputs: flit-core\n'))).toEqual([{ path: 'inputs', line: 5, message: 'expected a list, got a string' }]);
  });

  it('round-trips entries through their recorded form', () => {
    expect(parseInputEntry('Requests[Socks,security]')).toEqual({ key: 'requests', extras: ['security', 'socks'] });
    expect(formatInputEntry({ key: 'requests', extras: ['security', 'socks'] })).toBe('requests[security,socks]');
    expect(parseInputEntry('requests [socks]')).toBeUndefined();
  });
});
