import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Dockerode from 'dockerode';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImage,
  ensureImageLoaded,
  readImageRecipe,
  rootfsTarPath,
  type BuiltImage,
} from '../../src/image/cli-entry.js';
import { createEngine } from '../../src/engine/index.js';

const IMAGES_DIR = join(import.meta.dirname, '../../images');
const TEN_MINUTES = 600_000;
const log = pino({ level: 'silent' });
const docker = new Dockerode();
const engine = createEngine();
const dirs: string[] = [];
const builds: BuiltImage[] = [];
const extraImages: string[] = [];

const caught = (err: unknown): unknown => err;

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Run a command in a throwaway container of the image, offline, as the build user. */
async function runInImage(imageId: string, cmd: string[]): Promise<{ exitCode: number; output: string }> {
  const container = await docker.createContainer({
    Image: imageId,
    Cmd: cmd,
    User: '1000:1000',
    Tty: true,
    HostConfig: { NetworkMode: 'none', AutoRemove: false },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = await container.logs({ stdout: true, stderr: true, follow: false });
    return { exitCode: StatusCode, output: logs.toString('utf8') };
  } finally {
    await container.remove({ force: true });
  }
}

beforeAll(async () => {
  // No skip: without an engine this suite must fail.
  await docker.ping();
  // One staging directory private (0700), one not: apt behaves differently, the rootfs must not.
  for (const [prefix, mode] of [['hbuild-image-a-', 0o700], ['hbuild-image-b-', 0o755]] as const) {
    const outDir = await tempDir(prefix);
    await chmod(outDir, mode);
    builds.push(await buildImage({ engine, name: 'default', imagesDir: IMAGES_DIR, outDir, log }));
  }
}, TEN_MINUTES);

afterAll(async () => {
  for (const id of extraImages) await docker.getImage(id).remove({ force: true }).catch(() => undefined);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('builder image', { timeout: TEN_MINUTES }, () => {
  it('builds a bit-identical rootfs and the same image ID twice', () => {
    const [a, b] = builds;

    expect(a?.rootfsDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b?.rootfsDigest).toBe(a?.rootfsDigest);
    expect(b?.imageId).toBe(a?.imageId);
    expect(a?.rootfsPath).toBe(rootfsTarPath(dirs[0] ?? '', a?.rootfsDigest ?? ''));
  });

  it('is listed by Docker under its tag with the rootfs as its only layer', async () => {
    const built = builds[0] as BuiltImage;

    const listed = await docker.listImages({ filters: { reference: ['hbuild-builder/default'] } });
    const info = await docker.getImage(built.imageId).inspect();

    expect(listed.map((i) => i.Id)).toContain(built.imageId);
    expect(info.RepoTags).toContain(`hbuild-builder/default:${built.rootfsDigest.slice(7, 19)}`);
    expect(info.RootFS.Layers).toEqual([built.rootfsDigest]);
    expect(info.Config.User).toBe('1000:1000');
    expect(info.Config.WorkingDir).toBe('/build');
  });

  it('resolves the pinned rootfs to the image', async () => {
    const built = builds[0] as BuiltImage;

    const found = await engine.resolveBuilderImage({ image: 'default', rootfs: built.rootfsDigest });

    expect(found).toEqual({ imageId: built.imageId, ref: built.ref });
  });

  it('reports a missing image and a mismatched pin', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`;

    const missing = await engine.resolveBuilderImage({ image: 'no-such-image', rootfs: wrong }).catch(caught);
    const mismatch = await engine.resolveBuilderImage({ image: 'default', rootfs: wrong }).catch(caught);

    expect(missing).toMatchObject({ code: 'ERR_IMAGE_MISSING' });
    expect(mismatch).toMatchObject({ code: 'ERR_IMAGE_MISMATCH', details: { pinned: wrong } });
  });

  it('runs python offline as the build user', async () => {
    const built = builds[0] as BuiltImage;

    const result = await runInImage(built.imageId, ['python3', '-c', 'import sys; print(sys.version)']);

    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(/^3\.11\./);
  });

  it('lets pip build a wheel offline despite EXTERNALLY-MANAGED, with /build owned by the build user', async () => {
    const built = builds[0] as BuiltImage;
    const backend = [
      'import os, zipfile',
      'def build_wheel(wd, cs=None, md=None):',
      '    n = "demo-1.0-py3-none-any.whl"',
      '    with zipfile.ZipFile(os.path.join(wd, n), "w") as z:',
      '        z.writestr("demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\\nName: demo\\nVersion: 1.0\\n")',
      '        z.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n")',
      '        z.writestr("demo-1.0.dist-info/RECORD", "")',
      '    return n',
    ].join('\n');
    const pyproject = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n';
    const script = [
      'set -e',
      'stat -c "%u:%g %a" /build /home/builder',
      'mkdir /build/src',
      `printf '%s\\n' '${backend}' > /build/src/backend.py`,
      `printf '%s' '${pyproject}' > /build/src/pyproject.toml`,
      'python3 -m pip wheel --no-index --no-deps -q -w /build/out /build/src',
      'ls /build/out',
    ].join('\n');

    const result = await runInImage(built.imageId, ['sh', '-c', script]);

    expect(result.output).toContain('demo-1.0-py3-none-any.whl');
    expect(result.output).toMatch(/^1000:1000 755\r?\n1000:1000 755/);
    expect(result.exitCode).toBe(0);
  });

  it('re-loads an image from the kept rootfs tar only after checking its digest', async () => {
    const built = builds[0] as BuiltImage;
    const recipe = await readImageRecipe(IMAGES_DIR, 'default');
    const fakeDir = await tempDir('hbuild-image-fake-');
    const forged = rootfsTarPath(fakeDir, `sha256:${'1'.repeat(64)}`);
    await writeFile(forged, 'not the rootfs');
    const pinned = { recipe, log, rootfsDigest: built.rootfsDigest };

    const present = await ensureImageLoaded(engine, { ...pinned, name: 'default', rootfsPath: '/nonexistent' });
    const reloaded = await ensureImageLoaded(engine, { ...pinned, name: 'ensure-test', rootfsPath: built.rootfsPath });
    extraImages.push(reloaded.imageId);
    const gone = await ensureImageLoaded(engine, { ...pinned, name: 'gone-test', rootfsPath: join(fakeDir, 'x.tar') }).catch(
      caught,
    );
    const lying = await ensureImageLoaded(engine, {
      ...pinned,
      name: 'lying-test',
      rootfsPath: forged,
      rootfsDigest: `sha256:${'1'.repeat(64)}`,
    }).catch(caught);

    expect(present).toEqual({ imageId: built.imageId, ref: built.ref });
    expect((await docker.getImage(reloaded.imageId).inspect()).RootFS.Layers).toEqual([built.rootfsDigest]);
    expect(gone).toMatchObject({ code: 'ERR_IMAGE_MISSING', hint: 'run: hbuild image build gone-test' });
    expect(lying).toMatchObject({ code: 'ERR_IMAGE_MISMATCH' });
  });
});
