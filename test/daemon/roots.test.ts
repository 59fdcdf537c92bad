import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLock } from '../../src/lockfile/read.js';
import { checkLockPath, checkOutDir, checkSdistPaths, resolveRoots } from '../../src/daemon/roots.js';
import { useTempDir } from '../helpers/tmp.js';

describe('paths under the daemon roots', () => {
  const tmp = useTempDir('roots', { per: 'suite' });
  let root: string;
  let roots: string[];

  beforeAll(async () => {
    root = join(tmp.path, 'root');
    await mkdir(join(root, 'proj'), { recursive: true });
    await writeFile(join(root, 'proj', 'lock.yaml'), 'x');
    await writeFile(join(tmp.path, 'secret.yaml'), 'x');
    await symlink(join(tmp.path, 'secret.yaml'), join(root, 'proj', 'link.yaml'));
    await symlink(tmp.path, join(root, 'up'));
    roots = await resolveRoots([root]);
  });

  it('accepts a lock file under a root and returns its real path', async () => {
    const check = await checkLockPath(join(root, 'proj', '..', 'proj', 'lock.yaml'), roots);

    expect(check).toEqual({ ok: true, path: join(roots[0]!, 'proj', 'lock.yaml') });
  });

  it.each([
    ['a path outside', () => join(tmp.path, 'secret.yaml'), 'outside'],
    ['a ".." escape', () => join(root, '..', 'secret.yaml'), 'outside'],
    ['a symlink to a file outside', () => join(root, 'proj', 'link.yaml'), 'outside'],
    ['a path through a symlinked directory', () => join(root, 'up', 'secret.yaml'), 'outside'],
    ['a missing file', () => join(root, 'proj', 'none.yaml'), 'missing'],
    ['a directory', () => join(root, 'proj'), 'not-a-file'],
  ])('refuses %s', async (_label, path, reason) => {
    const check = await checkLockPath(path(), roots);

    expect(check).toMatchObject({ ok: false, reason });
  });

  it('accepts a new wheelhouse under a root but not the root itself or a way out', async () => {
    const fresh = await checkOutDir(join(root, 'proj', 'new', 'wheelhouse'), roots);
    const itself = await checkOutDir(root, roots);
    const viaLink = await checkOutDir(join(root, 'up', 'wheelhouse'), roots);
    const file = await checkOutDir(join(root, 'proj', 'lock.yaml'), roots);

    expect(fresh).toEqual({ ok: true, path: join(roots[0]!, 'proj', 'new', 'wheelhouse') });
    expect(itself).toMatchObject({ ok: false, reason: 'outside' });
    expect(viaLink).toMatchObject({ ok: false, reason: 'outside' });
    expect(file).toMatchObject({ ok: false, reason: 'not-a-file' });
  });

  it('refuses a lock whose local sdist copy lies outside the roots', async () => {
    const text = (path: string) =>
      `version: 1\nbuilder:\n  image: default\n  rootfs: sha256:${'a'.repeat(64)}\npackages:\n  - name: p\n    version: "1.0"\n    sdist:\n      file: p-1.0.tar.gz\n      sha256: ${'b'.repeat(64)}\n      path: ${path}\n`;
    const lockPath = join(root, 'proj', 'lock.yaml');

    const escaping = checkSdistPaths(parseLock(text('../../secret.yaml'), lockPath), roots);
    const missing = checkSdistPaths(parseLock(text('../../nothing.tar.gz'), lockPath), roots);
    const inside = checkSdistPaths(parseLock(text('lock.yaml'), lockPath), roots);

    await expect(escaping).rejects.toMatchObject({ code: 'ERR_USAGE', message: "sdist path ../../secret.yaml of p 1.0 lies outside the daemon's roots" });
    await expect(missing).resolves.toBeUndefined();
    await expect(inside).resolves.toBeUndefined();
  });

  it('refuses a root that is not a directory', async () => {
    const attempt = resolveRoots([join(tmp.path, 'secret.yaml')]);

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});
