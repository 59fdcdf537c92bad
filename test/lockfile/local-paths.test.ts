import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLocalPaths } from '../../src/lockfile/local-paths.js';
import { parseLock } from '../../src/lockfile/read.js';
import { useTempDir } from '../helpers/tmp.js';

const H = 'a'.repeat(64);
const ROOTFS = `sha256:${'b'.repeat(64)}`;

function lockWith(paths: string[]): string {
  const entries = paths.map((p, i) => [
    `  - name: p${i}`,
    '    version: "1.0"',
    '    sdist:',
    `      file: p${i}-1.0.tar.gz`,
    `      sha256: ${H}`,
    `      path: ${p}`,
    '    build-requires: []',
  ].join('\n'));
  return ['version: 1', 'builder:', '  image: default', `  rootfs: ${ROOTFS}`, 'packages:', ...entries, ''].join('\n');
}

describe('checkLocalPaths', () => {
  const dir = useTempDir('local-paths');

  it('accepts sdists beside or below the lock, and in an --sdist-dir', async () => {
    const project = join(dir.path, 'project');
    await mkdir(join(project, 'vendor'), { recursive: true });
    await mkdir(join(dir.path, 'staging'));
    await writeFile(join(project, 'vendor', 'p0-1.0.tar.gz'), 'x');
    const loaded = parseLock(lockWith(['vendor/p0-1.0.tar.gz', 'p1-1.0.tar.gz', '../staging/p2-1.0.tar.gz']), join(project, 'lock.yaml'));

    await expect(checkLocalPaths(loaded, [join(dir.path, 'staging')])).resolves.toBeUndefined();
  });

  it('refuses a path that climbs out and a symlink that leads out, all at once, with their lines', async () => {
    const project = join(dir.path, 'project');
    await mkdir(project, { recursive: true });
    await symlink('/etc/passwd', join(project, 'p1-1.0.tar.gz'));
    const loaded = parseLock(lockWith(['../../../../etc/passwd', 'p1-1.0.tar.gz', 'fine-1.0.tar.gz']), join(project, 'lock.yaml'));

    const refused = await checkLocalPaths(loaded).catch((err: unknown) => err);

    expect(refused).toMatchObject({ code: 'ERR_LOCK_INVALID' });
    const message = (refused as Error).message;
    expect(message).toContain('lock.yaml:6: packages[0].sdist.path: "../../../../etc/passwd" is outside the lock\'s folder');
    expect(message).toContain('lock.yaml:13: packages[1].sdist.path: "p1-1.0.tar.gz" leads (through a symlink) outside the lock\'s folder');
    expect(message).not.toContain('fine-1.0');
  });
});
