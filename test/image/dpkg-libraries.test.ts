import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { libraryMapFromRootfs, parseDpkgStatus, sharedObjectsOf } from '../../src/image/dpkg-libraries.js';
import { refusal } from '../helpers/errors.js';

const ROOTFS = `sha256:${'b'.repeat(64)}`;
const STATUS = [
  'Package: libxml2\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.9.14+dfsg-1.3~deb12u1\n',
  'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u14\n',
  'Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n',
].join('\n');

function rootfs(files: Record<string, string>): Readable {
  const tar = pack();
  for (const [name, content] of Object.entries(files)) tar.entry({ name }, content);
  tar.finalize();
  return tar as unknown as Readable;
}

describe('the dpkg library map', () => {
  it('keeps installed packages only', () => {
    expect(parseDpkgStatus(STATUS)).toEqual(new Map([['libxml2', '2.9.14+dfsg-1.3~deb12u1'], ['libc6', '2.36-9+deb12u14']]));
  });

  it('takes shared objects from library directories only', () => {
    const list = '/.\n/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14\n/usr/lib/x86_64-linux-gnu/libxml2.so.2\n/usr/share/doc/libxml2/copyright\n/usr/bin/fake.so\n';

    expect(sharedObjectsOf(list).map((s) => s.name)).toEqual(['libxml2.so.2.9.14', 'libxml2.so.2']);
  });

  it('maps each shared object of a rootfs tar to its package and version', async () => {
    const tar = rootfs({
      './var/lib/dpkg/status': STATUS,
      './var/lib/dpkg/info/libxml2:amd64.list': '/usr/lib/x86_64-linux-gnu/libxml2.so.2\n',
      './var/lib/dpkg/info/libc6:amd64.list': '/lib/x86_64-linux-gnu/libc.so.6\n',
      './var/lib/dpkg/info/gone.list': '/usr/lib/libgone.so.1\n',
      './usr/lib/x86_64-linux-gnu/libxml2.so.2': 'ELF…',
    });

    const map = await libraryMapFromRootfs(tar, ROOTFS);

    expect(map).toEqual({
      version: 1,
      rootfs: ROOTFS,
      libraries: {
        'libc.so.6': [{ package: 'libc6', version: '2.36-9+deb12u14', path: '/lib/x86_64-linux-gnu/libc.so.6' }],
        'libxml2.so.2': [{ package: 'libxml2', version: '2.9.14+dfsg-1.3~deb12u1', path: '/usr/lib/x86_64-linux-gnu/libxml2.so.2' }],
      },
    });
  });

  it('refuses a rootfs without a dpkg status file', async () => {
    const err = await refusal(libraryMapFromRootfs(rootfs({ './etc/hostname': 'x\n' }), ROOTFS));

    expect(err.message).toBe(`the builder rootfs ${ROOTFS} has no dpkg status file`);
  });
});
