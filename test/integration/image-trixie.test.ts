import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildImage, type BuiltImage } from '../../src/image/cli-entry.js';
import { createEngine } from '../../src/engine/index.js';
import { parseLock } from '../../src/lockfile/read.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { readZipEntry } from '../fixtures/zip-read.js';
import { tempDir, useTempDir } from '../helpers/tmp.js';
import { buildInDir } from './harness.js';

const IMAGES_DIR = join(import.meta.dirname, '../../images');
const TEN_MINUTES = 600_000;
const log = pino({ level: 'silent' });
const engine = createEngine();
const builds: BuiltImage[] = [];
const outA = useTempDir('trixie-image-a', { per: 'suite' });
const outB = useTempDir('trixie-image-b', { per: 'suite' });

/** The same fixture lock, built from the trixie image instead of the default one. */
function trixieLock(rootfs: string, sdists: Parameters<typeof fixtureLock>[1]): string {
  return fixtureLock(rootfs, sdists).replace('  image: default\n', '  image: trixie\n');
}

beforeAll(async () => {
  // No skip: without an engine (or the mirror) this suite must fail.
  await engine.ping();
  // One staging directory private (0700), one not: apt behaves differently, the rootfs must not.
  for (const [outDir, mode] of [[outA.path, 0o700], [outB.path, 0o755]] as const) {
    await chmod(outDir, mode);
    builds.push(await buildImage({ engine, name: 'trixie', imagesDir: IMAGES_DIR, outDir, log }));
  }
}, TEN_MINUTES);

describe('the trixie builder image', { timeout: TEN_MINUTES }, () => {
  it('builds a bit-identical rootfs and the same image ID twice', () => {
    const [a, b] = builds;

    expect(a?.rootfsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b?.rootfsDigest).toBe(a?.rootfsDigest);
    expect(b?.imageId).toBe(a?.imageId);
  });

  it('builds a package with its CPython 3.13 and reproduces the wheel from a cold store', async () => {
    const rootfs = (builds[0] as BuiltImage).rootfsDigest;
    const dir = await tempDir('trixie-build');
    const sdist = await writeFixtureSdist(dir, {
      name: 'fx-trixie',
      version: '1.0',
      hook: 'import sys\nreport("python", "%d.%d" % sys.version_info[:2])\n',
    });

    const recorded = await buildInDir(dir, trixieLock(rootfs, [sdist]), { record: true });
    const wheel = recorded.records[0]?.wheel;
    const cold = await buildInDir(dir, trixieLock(rootfs, [{ ...sdist, wheelFile: wheel?.file, wheelSha256: wheel?.sha256 }]), {
      storeRoot: join(dir, 'cold-store'),
      outDir: join(dir, 'cold-wheelhouse'),
    });

    expect(recorded.failures).toEqual([]);
    expect(recorded.records[0]?.verdict).toBe('recorded');
    expect(cold.failures).toEqual([]);
    expect(cold.records[0]).toMatchObject({ cached: false, verdict: 'pinned-match' });
    expect(await readZipEntry(join(dir, 'wheelhouse', wheel?.file ?? ''), 'fx_trixie/_probe/python.txt')).toBe('3.13');
  });

  it('derives an image from trixie for a recipe\'s Debian packages, records its pin, builds in it and reproduces from a cold store', async () => {
    const rootfs = (builds[0] as BuiltImage).rootfsDigest;
    const dir = await tempDir('trixie-derived');
    const sdist = await writeFixtureSdist(dir, {
      name: 'fx-trixie-deb',
      version: '1.0',
      hook: 'import os, sys\nreport("python", "%d.%d" % sys.version_info[:2])\nreport("yaml-h", str(os.path.exists("/usr/include/yaml.h")))\n',
    });
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes', 'fx-trixie-deb.yaml'), 'debian-packages: [libyaml-dev]\n');
    const images = { out: join(dir, 'images') };

    const recorded = await buildInDir(dir, trixieLock(rootfs, [sdist]), { record: true, recipesDir: join(dir, 'recipes'), images });
    const lockText = await readFile(join(dir, 'lock.yaml'), 'utf8');
    const pinned = parseLock(lockText, join(dir, 'lock.yaml')).lock.packages[0];
    const wheel = recorded.records[0]?.wheel;
    const cold = await buildInDir(dir, lockText, { recipesDir: join(dir, 'recipes'), images, storeRoot: join(dir, 'cold-store'), outDir: join(dir, 'cold-wheelhouse') });

    expect(recorded.failures).toEqual([]);
    expect(recorded.records[0]?.builderImage).toMatchObject({ name: expect.stringMatching(/^trixie-deb-[0-9a-f]{12}$/), debianPackages: ['libyaml-dev'] });
    expect(pinned?.['builder-image']?.['debian-packages']).toEqual(['libyaml-dev']);
    expect(pinned?.['builder-image']?.rootfs).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(pinned?.['builder-image']?.rootfs).not.toBe(rootfs);
    expect(await readZipEntry(join(dir, 'wheelhouse', wheel?.file ?? ''), 'fx_trixie_deb/_probe/python.txt')).toBe('3.13');
    expect(await readZipEntry(join(dir, 'wheelhouse', wheel?.file ?? ''), 'fx_trixie_deb/_probe/yaml-h.txt')).toBe('True');
    expect(cold.failures).toEqual([]);
    expect(cold.records[0]).toMatchObject({ cached: false, verdict: 'pinned-match' });
  });
});
