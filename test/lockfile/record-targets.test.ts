import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock } from '../../src/lockfile/read.js';
import { recordWheels } from '../../src/lockfile/record-wheels.js';
import { targetLock } from '../../src/lockfile/targets.js';
import { tempDir } from '../helpers/tmp.js';

const S1 = '1'.repeat(64);
const W1 = 'c'.repeat(64);
const W2 = 'd'.repeat(64);
const W3 = 'e'.repeat(64);
const ROOTFS = `sha256:${'f'.repeat(64)}`;
const ROOTFS2 = `sha256:${'a'.repeat(64)}`;

const LOCK = `version: 1
targets:
  - name: py311   # bookworm
    image: default
    rootfs: ${ROOTFS}
  - {name: py313, image: trixie, rootfs: ${ROOTFS2}}
packages:
  - name: flit-core
    version: 3.9.0
    sdist:
      file: flit_core-3.9.0.tar.gz
      sha256: ${S1}
  - name: spam
    version: '1.0'
    sdist: {file: spam-1.0.tar.gz, sha256: ${S1}}
    wheels:
      py311:
        file: spam-1.0-cp311-cp311-linux_x86_64.whl   # kept comment
        sha256: ${W1}
  - {name: eggs, version: '2.0', sdist: {file: eggs-2.0.tar.gz, sha256: ${S1}}, targets: [py313]}
`;

describe('recordWheels in a lock with targets', () => {
  it('adds and replaces one target\'s pins under wheels:, leaving the other target and the layout alone', async () => {
    const path = join(await tempDir('record-targets'), 'lock.yaml');
    await writeFile(path, LOCK);

    await recordWheels(path, new Map([['flit-core', { file: 'flit_core-3.9.0-py3-none-any.whl', sha256: W2 }], ['spam', { file: 'spam-1.0-cp313-cp313-linux_x86_64.whl', sha256: W3 }], ['eggs', { file: 'eggs-2.0-py3-none-any.whl', sha256: W2 }]]), new Map([['spam', { packages: ['libzmq3-dev'], rootfs: ROOTFS }]]), 'py313');
    await recordWheels(path, new Map([['flit-core', { file: 'flit_core-3.9.0-py3-none-any.whl', sha256: W2 }], ['spam', { file: 'spam-1.0-cp311-cp311-linux_x86_64.whl', sha256: W2 }]]), new Map(), 'py311');

    const text = await readFile(path, 'utf8');
    const lock = (await readLock(path)).lock;
    expect(text).toContain('  - name: py311   # bookworm\n');
    expect(text).toContain('        file: spam-1.0-cp311-cp311-linux_x86_64.whl   # kept comment\n');
    expect(text).toContain(`    wheels:\n      py313: {file: flit_core-3.9.0-py3-none-any.whl, sha256: ${W2}}\n      py311: {file: flit_core-3.9.0-py3-none-any.whl, sha256: ${W2}}\n`);
    expect(targetLock(lock, 'py311').packages.map((p) => p.wheel?.sha256)).toEqual([W2, W2]);
    expect(targetLock(lock, 'py313').packages.map((p) => [p.name, p.wheel?.sha256, p['builder-image']?.rootfs])).toEqual([['flit-core', W2, undefined], ['spam', W3, ROOTFS], ['eggs', W2, undefined]]);
    expect(lock.packages[2]).toMatchObject({ targets: ['py313'], wheels: { py313: { sha256: W2 } } });
  });
});
