import { describe, expect, it } from 'vitest';
import { assertRepairTook, wheelLibraries, wheelSystemLibraries } from '../../src/check/wheel-libraries.js';
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

describe('wheelLibraries', () => {
  it('lists what a repair vendored into <pkg>.libs/ as vendored, with the Debian package it was copied from, and not as a system need', async () => {
    const map: LibraryMap = {
      ...MAP,
      libraries: { ...MAP.libraries, 'libyaml-0.so.2.0.9': [{ package: 'libyaml-0-2', version: '0.2.5-1', path: '/usr/lib/x86_64-linux-gnu/libyaml-0.so.2.0.9' }] },
    };
    const file = 'demo-1.0-cp311-cp311-manylinux_2_36_x86_64.whl';
    const wheel = await writeWheel(tmp.path, {
      name: 'demo',
      version: '1.0',
      fileName: file,
      extraEntries: [
        { name: 'demo/_yaml.cpython-311-x86_64-linux-gnu.so', content: makeElf({ needed: ['libyaml-0-1a2b3c4d.so.2.0.9', 'libc.so.6'] }) },
        { name: 'demo.libs/libyaml-0-1a2b3c4d.so.2.0.9', content: makeElf({ needed: ['libc.so.6', 'libxml2.so.2'], soname: 'libyaml-0-1a2b3c4d.so.2.0.9' }) },
      ],
    });

    const libraries = await wheelLibraries(wheel.path, file, map);

    expect(libraries.vendored).toEqual([{ file: 'demo.libs/libyaml-0-1a2b3c4d.so.2.0.9', copyOf: 'libyaml-0.so.2.0.9', package: 'libyaml-0-2', version: '0.2.5-1' }]);
    expect(libraries.system).toEqual([{ soname: 'libxml2.so.2', package: 'libxml2', version: '2.9.14+dfsg-1.3', neededBy: ['demo.libs/libyaml-0-1a2b3c4d.so.2.0.9'] }]);
  });

  it("names the original of a copy whose name has a dot before .so, as auditwheel splits it (libpgm-5.3.so.0)", async () => {
    const file = 'demo-1.0-cp311-cp311-manylinux_2_36_x86_64.whl';
    const wheel = await writeWheel(tmp.path, { name: 'demo', version: '1.0', fileName: file, extraEntries: [{ name: 'demo.libs/libpgm-5-86a31e6b.3.so.0.0.128', content: makeElf({ needed: [], soname: 'libpgm-5-86a31e6b.3.so.0.0.128' }) }] });

    expect((await wheelLibraries(wheel.path, file, MAP)).vendored.map((v) => v.copyOf)).toEqual(['libpgm-5.3.so.0.0.128']);
  });

  it('vendors nothing in a wheel whose libraries are its own, not auditwheel copies', async () => {
    const file = 'demo-1.0-cp311-cp311-linux_x86_64.whl';
    const wheel = await writeWheel(tmp.path, { name: 'demo', version: '1.0', fileName: file, extraEntries: [{ name: 'demo.libs/libhelper.so.1', content: makeElf({ needed: [], soname: 'libhelper.so.1' }) }] });

    expect((await wheelLibraries(wheel.path, file, MAP)).vendored).toEqual([]);
  });
});

describe('assertRepairTook', () => {
  const vendored = [{ file: 'demo.libs/libyaml-0-1a2b3c4d.so.2.0.9', copyOf: 'libyaml-0.so.2.0.9', package: 'libyaml-0-2', version: '0.2.5-1' }];

  it('refuses a repaired wheel that still needs from the system a library it vendors, naming both', async () => {
    const system = [{ soname: 'libyaml-0.so.2', package: 'libyaml-0-2', version: '0.2.5-1', neededBy: ['demo/_yaml.so'] }];

    const err = await refusal(Promise.resolve().then(() => assertRepairTook('demo.whl', { system, vendored })));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toBe('wheel "demo.whl" refused: the repair vendored demo.libs/libyaml-0-1a2b3c4d.so.2.0.9, but demo/_yaml.so still needs libyaml-0.so.2 from the system');
  });

  it('accepts system needs the repair left to the system on purpose (libstdc++ and the like)', () => {
    const system = [{ soname: 'libstdc++.so.6', package: 'libstdc++6', version: '12.2.0-14', neededBy: ['demo/_yaml.so'] }];

    expect(() => assertRepairTook('demo.whl', { system, vendored })).not.toThrow();
  });
});
