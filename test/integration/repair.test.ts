import { execa } from 'execa';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveIndexUrl } from '../../src/fetch/index-url.js';
import { readLock } from '../../src/lockfile/read.js';
import { imagesOutFor } from '../../src/pipeline/builder-images.js';
import { buildLock, type BuildLockOptions } from '../../src/pipeline/build-lock.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { defaultStoreRoot } from '../../src/store/store.js';
import { startFakeIndex, type FakeIndex } from '../fixtures/index-server.js';
import { nativeYamlSdist } from '../fixtures/libyaml-pkg.js';
import { useTempDir } from '../helpers/tmp.js';
import { builderRootfs, engine, offlineBuildOptions } from './harness.js';

/**
 * A wheel repaired with auditwheel: a fixture C extension linking Debian's libyaml (whose
 * runtime library the base builder image lacks) is built in an image derived with libyaml-dev
 * and patchelf, repaired for manylinux_2_36, and installed and called in a network-less
 * container of the base image. The fixture comes from a loopback index; auditwheel and its
 * requirements are real sdists from the configured index, locked and built like any backend.
 */
const NAME = 'hbuild-yamlver';
const PLATFORM = 'manylinux_2_36_x86_64';
const RECIPE = `debian-packages: [libyaml-dev, patchelf]\nrepair:\n  platform: ${PLATFORM}\n`;
const IMAGES_OUT = imagesOutFor(defaultStoreRoot());
/** 2023-11-14 22:13:20 UTC. */
const EPOCH = 1_700_000_000;

let index: FakeIndex;
let dir: string;
let baseImageId: string;
let first: Awaited<ReturnType<typeof buildLock>>;
type Manifest = {
  packages: Array<{
    name: string;
    inputDigest: string;
    wheel: { file: string; sha256: string };
    systemLibraries: Array<{ soname: string; package: string | null }>;
    vendoredLibraries?: Array<{ file: string; copyOf: string; package: string | null; version: string | null }>;
  }>;
};
let manifest: Manifest;

function buildOptions(overrides: Partial<BuildLockOptions> = {}): BuildLockOptions {
  return offlineBuildOptions(dir, { recipesDir: join(dir, 'recipes'), images: { out: IMAGES_OUT }, ...overrides });
}

/** Run `script` in a container of the base builder image: no network, no -dev packages, the wheelhouse read-only at /wh. */
async function inBaseImage(script: string) {
  return execa('docker', ['run', '--rm', '--network', 'none', '-e', 'HOME=/tmp', '-e', 'PIP_CONFIG_FILE=/dev/null', '-v', `${join(dir, 'wheelhouse')}:/wh:ro`, baseImageId, 'sh', '-c', script], { reject: false });
}

describe('repair: portable wheels with auditwheel', () => {
  const tmp = useTempDir('repair', { per: 'suite' });
  beforeAll(async () => {
    const docker = await engine();
    const rootfs = await builderRootfs(docker);
    baseImageId = (await docker.listImages({ filters: { label: ['org.hbuild.image=default'] } }))[0]!.Id;
    dir = tmp.path;
    index = await startFakeIndex();
    const sdist = await nativeYamlSdist(dir, NAME, '1.0');
    index.add(NAME, { filename: sdist.filename, content: sdist.content });
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes', `${NAME}.yaml`), RECIPE);
    await writeFile(join(dir, 'requirements.txt'), `${NAME}==1.0\n`);
    await lockProject({
      input: join(dir, 'requirements.txt'),
      lockPath: join(dir, 'lock.yaml'),
      indexUrls: [index.url, await resolveIndexUrl(undefined)],
      storeRoot: join(dir, 'store'),
      recipesDir: join(dir, 'recipes'),
      images: { out: IMAGES_OUT },
      builder: { image: 'default', rootfs },
      log: pino({ level: 'silent' }),
      emit: () => undefined,
      progress: (m: string) => void process.stderr.write(`repair: ${m}\n`),
      signal: new AbortController().signal,
    });
    // A SOURCE_DATE_EPOCH other than the default (1980, where zip dates are clipped anyway), so the test sees auditwheel honour it.
    const locked = await readFile(join(dir, 'lock.yaml'), 'utf8');
    await writeFile(join(dir, 'lock.yaml'), locked.replace('\npackages:\n', `\nsettings:\n  source-date-epoch: ${EPOCH}\npackages:\n`));
    first = await buildLock(buildOptions({ record: true }));
    if (!first.published) throw new Error(`the first build failed: ${first.failures.map((f) => `${f.name}: ${f.error.message}`).join('; ')}`);
    manifest = JSON.parse(await readFile(join(dir, 'wheelhouse', 'manifest.json'), 'utf8')) as Manifest;
  }, 3_600_000);
  afterAll(async () => {
    await index?.close();
  });

  it('locks auditwheel and its requirements from the index into the build environment of the package that repairs', async () => {
    const lock = await readLock(join(dir, 'lock.yaml'));
    const pkg = lock.lock.packages.find((p) => p.name === NAME)!;
    const auditwheel = lock.lock.packages.find((p) => p.name === 'auditwheel');

    expect((pkg['build-requires'] as string[]).map((r) => r.split('==')[0])).toEqual(expect.arrayContaining(['auditwheel', 'packaging', 'pyelftools']));
    expect(pkg['build-requires']).toContain(`auditwheel==${auditwheel?.version}`);
    expect(auditwheel?.sdist.file).toMatch(/^auditwheel-[0-9.]+\.tar\.gz$/);
    expect(pkg['builder-image']?.['debian-packages']).toEqual(['libyaml-dev', 'patchelf']);
  });

  it('publishes the repaired wheel: manylinux-tagged, libyaml vendored into <pkg>.libs/ and listed as vendored, not as a system need', async () => {
    const pkg = manifest.packages.find((p) => p.name === NAME)!;
    const requirements = await readFile(join(dir, 'wheelhouse', 'requirements.txt'), 'utf8');

    expect(pkg.wheel.file).toBe(`hbuild_yamlver-1.0-cp311-cp311-${PLATFORM}.whl`);
    expect(requirements).toContain(`--hash=sha256:${pkg.wheel.sha256}`);
    expect(pkg.vendoredLibraries).toEqual([
      { file: expect.stringMatching(/^hbuild_yamlver\.libs\/libyaml-0-[0-9a-f]{8}\.so\.2(\.[0-9]+)*$/), copyOf: expect.stringMatching(/^libyaml-0\.so\.2/), package: 'libyaml-0-2', version: expect.any(String) },
    ]);
    expect(pkg.systemLibraries.map((l) => l.soname)).not.toContain('libyaml-0.so.2');
  });

  it("dates every member of the repaired wheel from the lock's SOURCE_DATE_EPOCH, as auditwheel rewrites the zip", async () => {
    const pkg = manifest.packages.find((p) => p.name === NAME)!;
    const script = 'import sys, zipfile; print(sorted({i.date_time for i in zipfile.ZipFile(sys.argv[1]).infolist()}))';

    const dates = await execa('python3', ['-c', script, join(dir, 'wheelhouse', pkg.wheel.file)]);

    expect(dates.stdout.trim()).toBe('[(2023, 11, 14, 22, 13, 20)]');
  });

  it('installs by hash, offline, in a container of the base image (no libyaml there) and calls into the vendored library', async () => {
    const script = [
      'if ls /usr/lib/x86_64-linux-gnu/libyaml* >/dev/null 2>&1; then echo "libyaml is in the base image"; exit 9; fi',
      [
        'python3 -m pip install --quiet --no-cache-dir --require-hashes --no-index --find-links /wh --target /tmp/site -r /wh/requirements.txt',
        'PYTHONPATH=/tmp/site python3 -c "import hbuild_yamlver; print(hbuild_yamlver.version())"',
      ].join(' && '),
    ].join('\n');

    const run = await inBaseImage(script);

    expect(run.stderr).toBe('');
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toMatch(/^0\.2\.[0-9]+$/);
  });

  it('reproduces the repaired wheel bit for bit on a cold rebuild', async () => {
    const pkg = manifest.packages.find((p) => p.name === NAME)!;
    await rm(join(dir, 'store', 'actions', `${pkg.inputDigest}.json`));
    const events: string[] = [];

    const second = await buildLock(buildOptions({ outDir: join(dir, 'wheelhouse-2'), only: [NAME], emit: (e) => void (e.type === 'package' && e.stage === 'build' && e.name === NAME && events.push(e.status)) }));

    expect(second.failures.map((f) => `${f.name}: ${f.error.message}`)).toEqual([]);
    expect(events).toContain('done');
    expect(second.records.filter((r) => r.name === NAME).map((r) => `${r.verdict} ${r.cached} ${r.wheel.sha256}`)).toEqual([`pinned-match false ${pkg.wheel.sha256}`]);
  }, 3_600_000);

  it('refuses a lock whose build environment lacks auditwheel, saying what is missing and to lock again', async () => {
    const text = await readFile(join(dir, 'lock.yaml'), 'utf8');
    const lock = await readLock(join(dir, 'lock.yaml'));
    const requires = lock.lock.packages.find((p) => p.name === NAME)!['build-requires'] as string[];
    const stale = text.replace(`build-requires: [${requires.join(', ')}]`, 'build-requires: []');
    expect(stale).not.toBe(text);
    await writeFile(join(dir, 'lock-stale.yaml'), stale);

    const run = await buildLock(buildOptions({ lockPath: join(dir, 'lock-stale.yaml'), outDir: join(dir, 'wheelhouse-stale'), only: [NAME] }));

    const failure = run.failures.find((f) => f.name === NAME);
    expect(failure?.error.message).toContain(`${NAME}: the build environment lacks auditwheel, required by the recipe's repair`);
    expect(failure?.error.hint).toContain('auditwheel');
  }, 3_600_000);
});
