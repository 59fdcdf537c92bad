import { describe, expect, it } from 'vitest';
import { wheelSystemLibraries } from '../../src/check/wheel-libraries.js';
import type { LibraryMap } from '../../src/image/cli-entry.js';
import { makeElf } from '../fixtures/elf.js';
import { writeWheel } from '../fixtures/wheel.js';
import { refusal } from '../helpers/errors.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('wheel-libraries');
const MAP: LibraryMap = {
  version: 1,
  rootfs: `sha256:${'a'.repeat(64)}`,
  libraries: {
    'libxml2.so.2': [{ package: 'libxml2', version: '2.9.14+dfsg-1.3', path: '/usr/lib/x86_64-linux-gnu/libxml2.so.2' }],
    'libc.so.6': [{ package: 'libc6', version: '2.36-9', path: '/lib/x86_64-linux-gnu/libc.so.6' }],
  },
};

describe('wheelSystemLibraries', () => {
  it('lists what the shared objects need beyond themselves and glibc, with the Debian package that provided it', async () => {
    const wheel = await writeWheel(tmp.path, {
      name: 'demo',
      version: '1.0',
      fileName: 'demo-1.0-cp311-cp311-linux_x86_64.whl',
      extraEntries: [
        { name: 'demo/etree.cpython-311-x86_64-linux-gnu.so', content: makeElf({ needed: ['libxml2.so.2', 'libhelper.so.1', 'libc.so.6', 'libm.so.6', 'libmystery.so.3'] }) },
        { name: 'demo.libs/libhelper.so.1', content: makeElf({ needed: ['libxml2.so.2'], soname: 'libhelper.so.1' }) },
        { name: 'demo/not-elf.so', content: 'text' },
      ],
    });

    const libraries = await wheelSystemLibraries(wheel.path, 'demo-1.0-cp311-cp311-linux_x86_64.whl', MAP);

    expect(libraries).toEqual([
      { soname: 'libmystery.so.3', package: null, version: null, neededBy: ['demo/etree.cpython-311-x86_64-linux-gnu.so'] },
      { soname: 'libxml2.so.2', package: 'libxml2', version: '2.9.14+dfsg-1.3', neededBy: ['demo.libs/libhelper.so.1', 'demo/etree.cpython-311-x86_64-linux-gnu.so'] },
    ]);
  });

  it('gives nothing for a pure-Python wheel', async () => {
    const wheel = await writeWheel(tmp.path, { name: 'pure', version: '1.0' });

    expect(await wheelSystemLibraries(wheel.path, 'pure-1.0-py3-none-any.whl', MAP)).toEqual([]);
  });

  it('refuses a wheel whose shared object is malformed, naming the member', async () => {
    const elf = makeElf({ needed: ['libz.so.1'] });
    elf.writeUInt16LE(0xffff, 0x3c);
    const wheel = await writeWheel(tmp.path, { name: 'bad', version: '1.0', extraEntries: [{ name: 'bad/x.so', content: elf }] });

    const err = await refusal(wheelSystemLibraries(wheel.path, 'bad-1.0-py3-none-any.whl', MAP));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toMatch(/^bad-1\.0-py3-none-any\.whl: bad\/x\.so: malformed ELF file/);
  });
});
