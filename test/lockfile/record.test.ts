import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock } from '../../src/lockfile/read.js';
import { recordWheels } from '../../src/lockfile/record-wheels.js';
import { tempDir } from '../helpers/tmp.js';

const S1 = '1'.repeat(64);
const S2 = '2'.repeat(64);
const W1 = 'c'.repeat(64);
const W2 = 'd'.repeat(64);
const ROOTFS = `sha256:${'f'.repeat(64)}`;

const LOCK = `# hbuild lock — hand-edited comments must survive
version: 1
builder:
  image: default                      # folder under images/
  rootfs: ${ROOTFS}

packages:
  # the backend everything needs
  - name: flit-core
    version: 3.9.0
    sdist:
      file: flit_core-3.9.0.tar.gz    # aligned comment
      sha256: ${S1}

  - name: Typing_Extensions
    version: "4.8.0"
    build-requires:
      - flit-core   # listed in block style
    sdist: {file: typing_extensions-4.8.0.tar.gz, sha256: ${S2}}
    wheel:
      file: typing_extensions-4.8.0-py3-none-any.whl   # old pin
      sha256: '${W1}'
  - {name: tomli, version: 2.0.1, sdist: {file: tomli-2.0.1.tar.gz, sha256: ${S1}}, build-requires: [flit-core]}
# trailing comment
`;

async function lockFile(text: string): Promise<string> {
  const dir = await tempDir('record');
  const path = join(dir, 'lock.yaml');
  await writeFile(path, text, { mode: 0o600 });
  return path;
}

describe('recordWheels', () => {
  it('records a derived builder image beside a new wheel pin, and alone in an entry that already has its wheel', async () => {
    const path = await lockFile(LOCK);
    const image = { packages: ['libffi-dev', 'pkg-config'], rootfs: `sha256:${'e'.repeat(64)}` };

    await recordWheels(path, new Map([['flit-core', { file: 'flit_core-3.9.0-py3-none-any.whl', sha256: W2 }]]), new Map([['flit-core', image], ['tomli', image], ['typing-extensions', image]]));
    const text = await readFile(path, 'utf8');
    const { lock } = await readLock(path);

    expect(text).toContain(`      sha256: ${S1}\n    builder-image:\n      debian-packages: [libffi-dev, pkg-config]\n      rootfs: ${image.rootfs}\n    wheel:\n      file: flit_core-3.9.0-py3-none-any.whl\n`);
    expect(text).toContain(`build-requires: [flit-core], builder-image: {debian-packages: [libffi-dev, pkg-config], rootfs: ${image.rootfs}}}`);
    expect(lock.packages.map((p) => p['builder-image'])).toEqual([
      { 'debian-packages': ['libffi-dev', 'pkg-config'], rootfs: image.rootfs },
      { 'debian-packages': ['libffi-dev', 'pkg-config'], rootfs: image.rootfs },
      { 'debian-packages': ['libffi-dev', 'pkg-config'], rootfs: image.rootfs },
    ]);
    expect(text).toContain('# hbuild lock — hand-edited comments must survive');
  });

  it('adds wheel pins and changes nothing else', async () => {
    const path = await lockFile(LOCK);

    await recordWheels(
      path,
      new Map([
        ['flit-core', { file: 'flit_core-3.9.0-py3-none-any.whl', sha256: W1 }],
        ['tomli', { file: 'tomli-2.0.1-py3-none-any.whl', sha256: W2 }],
      ]),
    );

    const expected = LOCK.replace(
      `      sha256: ${S1}\n\n`,
      `      sha256: ${S1}\n    wheel:\n      file: flit_core-3.9.0-py3-none-any.whl\n      sha256: ${W1}\n\n`,
    ).replace(
      'build-requires: [flit-core]}',
      `build-requires: [flit-core], wheel: {file: tomli-2.0.1-py3-none-any.whl, sha256: ${W2}}}`,
    );
    expect(await readFile(path, 'utf8')).toBe(expected);
    const reread = await readLock(path);
    expect(reread.lock.packages.map((p) => p.wheel?.sha256)).toEqual([W1, W1, W2]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('replaces an existing pin in place, keeping its comment', async () => {
    const path = await lockFile(LOCK);

    await recordWheels(path, new Map([['typing-extensions', { file: 'typing_extensions-4.8.0-py3-none-any.whl', sha256: W2 }]]));

    expect(await readFile(path, 'utf8')).toBe(LOCK.replace(`'${W1}'`, W2));
  });

  it('inserts after a nested block, before blank lines and comments that follow', async () => {
    const text = `version: 1
builder: {image: default, rootfs: ${ROOTFS}}
packages:
- name: a
  version: '1'
  sdist:
      file: a-1.tar.gz
      sha256: ${S1}

# about b
- name: b
  version: '1'
  sdist: {file: b-1.tar.gz, sha256: ${S2}}`;
    const path = await lockFile(text);

    await recordWheels(
      path,
      new Map([
        ['a', { file: 'a-1-py3-none-any.whl', sha256: W1 }],
        ['b', { file: 'b-1-py3-none-any.whl', sha256: W2 }],
      ]),
    );

    expect(await readFile(path, 'utf8')).toBe(
      text
        .replace(`${S1}\n`, `${S1}\n  wheel:\n      file: a-1-py3-none-any.whl\n      sha256: ${W1}\n`)
        .concat(`\n  wheel:\n    file: b-1-py3-none-any.whl\n    sha256: ${W2}\n`),
    );
  });

  it('keeps CRLF line endings', async () => {
    const text = `version: 1\r\nbuilder: {image: default, rootfs: ${ROOTFS}}\r\npackages:\r\n  - name: a\r\n    version: '1'\r\n    sdist: {file: a-1.tar.gz, sha256: ${S1}}\r\n`;
    const path = await lockFile(text);

    await recordWheels(path, new Map([['a', { file: 'a-1-py3-none-any.whl', sha256: W1 }]]));

    expect(await readFile(path, 'utf8')).toBe(`${text}    wheel:\r\n      file: a-1-py3-none-any.whl\r\n      sha256: ${W1}\r\n`);
  });

  it('refuses to edit an invalid lock and leaves it alone', async () => {
    const text = LOCK.replace('version: 3.9.0', 'version: 3.9.0\n    colour: blue');
    const path = await lockFile(text);

    const act = recordWheels(path, new Map([['flit-core', { file: 'flit_core-3.9.0-py3-none-any.whl', sha256: W1 }]]));

    await expect(act).rejects.toMatchObject({ code: 'ERR_LOCK_INVALID' });
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('refuses wheels of packages that are not in the lock', async () => {
    const path = await lockFile(LOCK);

    const act = recordWheels(path, new Map([['nope', { file: 'nope-1-py3-none-any.whl', sha256: W1 }]]));

    await expect(act).rejects.toThrow('recordWheels: not in the lock: nope');
    expect(await readFile(path, 'utf8')).toBe(LOCK);
  });

  it('refuses a wheel named for another package, leaving the lock alone', async () => {
    const path = await lockFile(LOCK);

    const act = recordWheels(path, new Map([['flit-core', { file: 'other-1-py3-none-any.whl', sha256: W1 }]]));

    await expect(act).rejects.toMatchObject({ code: 'ERR_LOCK_INVALID' });
    expect(await readFile(path, 'utf8')).toBe(LOCK);
  });
});
