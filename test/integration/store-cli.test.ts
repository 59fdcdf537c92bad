import type Docker from 'dockerode';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { hbuild } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';
import { buildInDir, builderRootfs, engine } from './harness.js';

describe('hbuild store verify and gc', () => {
  let docker: Docker;
  let rootfs: string;

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
  });

  it('verify reports a corrupt entry (exit 3) and --repair removes it; gc keeps what a lock pins and removes the rest', async () => {
    const dir = await tempDir('store-cli');
    const keep = await writeFixtureSdist(dir, { name: 'fx-keep', version: '1.0' });
    const drop = await writeFixtureSdist(dir, { name: 'fx-drop', version: '1.0' });
    const run = await buildInDir(dir, fixtureLock(rootfs, [keep, drop]), { record: true });
    const dropWheel = run.records.find((r) => r.name === 'fx-drop')?.wheel.sha256 ?? '';
    const keepWheel = run.records.find((r) => r.name === 'fx-keep')?.wheel.sha256 ?? '';
    const store = join(dir, 'store');
    const blob = join(store, 'wheels', 'sha256', dropWheel.slice(0, 2), dropWheel);
    await chmod(blob, 0o644);
    await writeFile(blob, 'flipped');

    const verify = await hbuild(['store', 'verify', '--store', store]);
    const repair = await hbuild(['store', 'verify', '--store', store, '--repair']);
    const clean = await hbuild(['store', 'verify', '--store', store]);
    await writeFile(join(dir, 'keep.yaml'), fixtureLock(rootfs, [{ ...keep, wheelFile: 'fx_keep-1.0-py3-none-any.whl', wheelSha256: keepWheel }]));
    const gc = await hbuild(['store', 'gc', '--store', store, '--keep', join(dir, 'keep.yaml'), '--keep-days', '0']);
    const wheelsLeft = (await readdir(join(store, 'wheels', 'sha256'), { recursive: true })).filter((n) => n.includes('/'));
    const sourcesLeft = (await readdir(join(store, 'sources', 'sha256'), { recursive: true })).filter((n) => n.includes('/'));

    expect(verify.exitCode).toBe(3);
    expect(verify.stderr).toContain(`corrupt: wheels/${dropWheel}`);
    expect(repair.stderr).toContain('(removed)');
    expect(clean.exitCode).toBe(0);
    expect(gc.exitCode).toBe(0);
    expect(wheelsLeft).toEqual([`${keepWheel.slice(0, 2)}/${keepWheel}`]);
    expect(sourcesLeft).toEqual([`${keep.sha256.slice(0, 2)}/${keep.sha256}`]);
    expect(await readFile(join(dir, 'wheelhouse', 'SHA256SUMS'), 'utf8')).toContain(keepWheel);
  });
});
