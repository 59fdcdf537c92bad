import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HbuildError } from '../../src/core/errors.js';
import { parseLock, readLock } from '../../src/lockfile/read.js';
import { tempDir } from '../helpers/tmp.js';

const H1 = '1'.repeat(64);
const H2 = 'a'.repeat(64);
const ROOTFS = `sha256:${'f'.repeat(64)}`;

const VALID = `# comments are fine anywhere
version: 1
builder:
  image: default   # folder under images/
  rootfs: ${ROOTFS}
settings:
  source-date-epoch: 1700000000
  jobs: 2
packages:
  - name: flit-core
    version: 3.9.0
    sdist:
      file: flit_core-3.9.0.tar.gz
      sha256: ${H1}
      size: 41917
      upload-time: 2023-05-14T14:48:51.809042Z
      path: ../sdists/flit_core-3.9.0.tar.gz
  - name: Typing_Extensions
    version: 4.8.0
    sdist: {file: typing_extensions-4.8.0.tar.gz, sha256: ${H2}}
    build-requires: [flit-core]
    wheel:
      file: typing_extensions-4.8.0-py3-none-any.whl
      sha256: ${H1}
`;

function problemsOf(text: string): unknown {
  try {
    parseLock(text, '/locks/lock.yaml');
  } catch (err) {
    if (err instanceof HbuildError && err.code === 'ERR_LOCK_INVALID') return err.details['problems'];
    throw err;
  }
  throw new Error('expected ERR_LOCK_INVALID');
}

describe('parseLock', () => {
  it('parses a valid lock with defaults filled in', () => {
    const text = VALID;

    const loaded = parseLock(text, '/locks/lock.yaml');

    expect(loaded.path).toBe('/locks/lock.yaml');
    expect(loaded.dir).toBe('/locks');
    expect(loaded.lock.builder).toEqual({ image: 'default', rootfs: ROOTFS });
    expect(loaded.lock.packages[0]?.['build-requires']).toEqual([]);
    expect(loaded.lock.packages[0]?.sdist['upload-time']).toBe('2023-05-14T14:48:51.809042Z');
    expect(loaded.lock.packages[1]?.wheel?.file).toBe('typing_extensions-4.8.0-py3-none-any.whl');
    expect(loaded.lines).toEqual(new Map([['flit-core', 10], ['flit-core==3.9.0', 10], ['typing-extensions', 18], ['typing-extensions==4.8.0', 18]]));
  });

  it('reports every problem at once, each with its path and line', () => {
    const text = `version: 1
builder:
  image: default
  rootfs: ${ROOTFS}
packages:
  - name: flit-core
    version: 3.9.0
    colour: blue
    sdist:
      file: flit_core-3.9.0.tar.gz
      sha256: ABC
  - name: wheel
    version: not-a-version
    sdist:
      file: wheel-0.41.0.tar.gz
      sha256: ${H1}
    build-requires: [flit-core, setuptools]
  - name: Flit_Core
    version: 3.9.0
    sdist: {file: flit_core-3.9.0.tar.gz, sha256: ${H2}}
`;

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: 'packages[0].colour', line: 8, message: 'unknown key' },
      { path: 'packages[0].sdist.sha256', line: 11, message: 'expected 64 lowercase hex characters' },
      { path: 'packages[1].version', line: 13, message: 'expected a valid PEP 440 version' },
      { path: 'packages[1].build-requires[1]', line: 17, message: '"setuptools" is not a package in this lock' },
      {
        path: 'packages[2].name',
        line: 18,
        message: 'duplicate package "Flit_Core" 3.9.0: packages[0] is "flit-core" 3.9.0, the same name (after normalisation) and version',
      },
    ]);
  });

  it('puts one line per problem in the message, with a hint', () => {
    const text = VALID.replace('jobs: 2', 'jobs: 0').replace('image: default', 'image: Default');

    const act = () => parseLock(text, '/locks/lock.yaml');

    expect(act).toThrow(
      expect.objectContaining({
        code: 'ERR_LOCK_INVALID',
        hint: 'fix the entries listed above, or regenerate the lock with `hbuild lock`',
      }),
    );
    const lines = (() => {
      try {
        act();
      } catch (err) {
        return (err as Error).message.split('\n');
      }
      return [];
    })();
    expect(lines).toEqual([
      'invalid lock file /locks/lock.yaml (2 problems):',
      'lock.yaml:4: builder.image: expected a folder name under images/ (lowercase letters, digits, "-")',
      'lock.yaml:8: settings.jobs: Too small: expected number to be >=1',
    ]);
  });

  it('reports a dependency cycle with its path', () => {
    const pkg = (name: string, requires: string) =>
      `  - name: ${name}\n    version: '1.0'\n    sdist: {file: ${name}-1.0.tar.gz, sha256: ${H1}}\n    build-requires: [${requires}]\n`;
    const text = `version: 1\nbuilder: {image: default, rootfs: ${ROOTFS}}\npackages:\n${pkg('c', 'a')}${pkg('a', 'b')}${pkg('b', 'c')}${pkg('d', 'd')}`;

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: 'packages[1].build-requires', line: 11, message: 'dependency cycle: a → b → c → a' },
      { path: 'packages[3].build-requires[0]', line: 19, message: 'd cannot build-require itself' },
    ]);
  });

  it('refuses YAML aliases, reporting where they are', () => {
    const text = VALID.replace('    build-requires: [flit-core]', '    build-requires: &deps [flit-core]\n    x: *deps');

    const problems = problemsOf(text);

    expect(problems).toEqual([{ path: 'packages[1].x', line: 22, message: 'YAML aliases are not allowed' }]);
  });

  it('refuses duplicate keys and tags, alongside schema problems', () => {
    const text = VALID.replace('  jobs: 2', '  jobs: 2\n  jobs: 3').replace('version: 3.9.0', 'version: !!str 3.9.0');

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: 'settings.jobs', line: 9, message: 'duplicate key' },
      { path: 'packages[0].version', line: 12, message: 'YAML tags are not allowed (tag:yaml.org,2002:str)' },
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const text = 'version: 1\nbuilder:\n  image: a: b\n  rootfs: x\n';

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: '', line: 3, message: 'YAML syntax: Nested mappings are not allowed in compact mappings' },
    ]);
  });

  it('names missing keys and wrong types in YAML terms', () => {
    const text = `version: 2\nbuilder: []\npackages:\n  - name: x\n    version:\n`;

    const problems = problemsOf(text);

    expect(problems).toEqual([
      { path: 'version', line: 1, message: 'expected 1, the only lock format version this hbuild reads' },
      { path: 'builder', line: 2, message: 'expected a mapping, got a list' },
      { path: 'packages[0].sdist', line: 4, message: 'missing required key' },
      { path: 'packages[0].version', line: 5, message: 'expected a string, got nothing' },
    ]);
  });

  it('reads unquoted numeric versions as written', () => {
    const text = VALID.replace('version: 3.9.0', 'version: 1.10').replaceAll('flit_core-3.9.0', 'flit_core-1.10');

    const loaded = parseLock(text, 'lock.yaml');

    expect(loaded.lock.packages[0]?.version).toBe('1.10');
  });

  it.each([
    ['an sdist that is not this package', 'file: flit_core-3.9.0.tar.gz', 'file: flit_core-3.9.1.tar.gz', 'packages[0].sdist.file', 13],
    ['a path in the sdist file name', 'file: flit_core-3.9.0.tar.gz', 'file: ../flit_core-3.9.0.tar.gz', 'packages[0].sdist.file', 13],
    ['an absolute sdist path', 'path: ../sdists', 'path: /sdists', 'packages[0].sdist.path', 17],
    ['a wheel of another version', '4.8.0-py3-none-any.whl', '4.8.1-py3-none-any.whl', 'packages[1].wheel.file', 23],
    ['a wheel file that is not a wheel', '4.8.0-py3-none-any.whl', '4.8.0-py3-none-any.zip', 'packages[1].wheel.file', 23],
    ['a source date before 1980', '1700000000', '315532799', 'settings.source-date-epoch', 7],
    ['a runtime other than runc and runsc', '  jobs: 2', '  jobs: 2\n  runtime: kata', 'settings.runtime', 9],
  ])('refuses %s', (_label, from, to, path, line) => {
    const text = VALID.replace(from, to);

    const problems = problemsOf(text) as { path: string; line: number }[];

    expect(problems.map((p) => [p.path, p.line])).toEqual([[path, line]]);
  });

  it('accepts the "-" spelling of names in sdist file names', () => {
    const text = VALID.replace('file: flit_core-3.9.0.tar.gz', 'file: Flit-Core-3.9.0.tar.gz');

    const loaded = parseLock(text, 'lock.yaml');

    expect(loaded.lock.packages[0]?.sdist.file).toBe('Flit-Core-3.9.0.tar.gz');
  });

  it('refuses a file over 4 MiB before parsing it', () => {
    const text = `${VALID}#${'x'.repeat(4 * 1024 * 1024)}\n`;

    const problems = problemsOf(text);

    expect(problems).toEqual([{ path: '', line: 1, message: 'file is larger than 4194304 bytes' }]);
  });
});

describe('readLock', () => {
  it('reads a lock file from disk', async () => {
    const dir = await tempDir('lock');
    await writeFile(join(dir, 'lock.yaml'), VALID);

    const loaded = await readLock(join(dir, 'lock.yaml'));

    expect(loaded.dir).toBe(dir);
    expect(loaded.lock.packages).toHaveLength(2);
  });

  it('reports a missing file as a usage error naming the path', async () => {
    const path = join(tmpdir(), 'hbuild-no-such-dir', 'lock.yaml');

    const act = readLock(path);

    await expect(act).rejects.toMatchObject({ code: 'ERR_USAGE', message: expect.stringContaining(path) });
  });
});

describe('parseLock on hostile input', () => {
  it('refuses deep nesting before converting the document', () => {
    const text = `${VALID}extra: ${'['.repeat(40)}${']'.repeat(40)}\n`;

    const problems = problemsOf(text) as { path: string; message: string }[];

    expect(problems).toEqual([expect.objectContaining({ line: 25, message: 'nested deeper than 32 levels' })]);
  });

  it('refuses keys that are not scalars', () => {
    const text = VALID.replace('settings:', '? [a, b]\n: 1\nsettings:');

    const problems = problemsOf(text);

    expect(problems).toEqual([{ path: '', line: 6, message: 'keys must be plain scalars' }]);
  });

  it('refuses more than one YAML document', () => {
    const text = `${VALID}---\nversion: 1\n`;

    const problems = problemsOf(text) as { message: string }[];

    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/^YAML syntax: Source contains multiple documents/)]);
  });

  it('reports a file that is not UTF-8', async () => {
    const dir = await tempDir('lock');
    await writeFile(join(dir, 'lock.yaml'), Buffer.from([0x76, 0xff, 0xfe, 0x0a]));

    const act = readLock(join(dir, 'lock.yaml'));

    await expect(act).rejects.toMatchObject({ code: 'ERR_LOCK_INVALID', details: { problems: [{ path: '', line: 1, message: 'file is not valid UTF-8' }] } });
  });

  it('reports a directory in place of the lock as a usage error', async () => {
    const dir = await tempDir('lock');

    const act = readLock(dir);

    await expect(act).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});
