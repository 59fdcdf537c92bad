import { execa } from 'execa';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveIndexUrl } from '../../src/fetch/index-url.js';
import { derivedImageName } from '../../src/image/cli-entry.js';
import { readLock } from '../../src/lockfile/read.js';
import { imagesOutFor } from '../../src/pipeline/builder-images.js';
import { buildLock, type BuildLockOptions } from '../../src/pipeline/build-lock.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { defaultStoreRoot } from '../../src/store/store.js';
import { refusal } from '../helpers/errors.js';
import { installWheelhouse, ROOT } from '../helpers/spawn.js';
import { useTempDir } from '../helpers/tmp.js';
import { builderRootfs, engine, offlineBuildOptions } from './harness.js';

/**
 * Real sdists from the configured index, built with the recipes hbuild ships. They share one
 * lock and one store, so Cython (a build requirement of pyyaml, frozenlist and lxml, whose
 * compiled build is the slow part) is built once for all of them.
 */
const REQUIREMENTS = `pyyaml==6.0.2
frozenlist==1.5.0
cffi==2.1.1
pycparser==2.23
lxml==6.1.3
`;
const RECIPES = join(ROOT, 'recipes');
/** Where `hbuild image build` keeps images for the default store: derived images built here are reused by later runs. */
const IMAGES_OUT = imagesOutFor(defaultStoreRoot());
const CFFI_PACKAGES = ['libffi-dev', 'pkg-config'];

let dir: string;
let first: Awaited<ReturnType<typeof buildLock>>;
let manifest: { packages: Array<{ name: string; inputDigest: string; builderRootfs: string; builderImage?: { name: string; debianPackages: string[] }; systemLibraries?: Array<{ soname: string; package: string | null; version: string | null }> }> };
let seconds: Record<string, number>;

function buildOptions(overrides: Partial<BuildLockOptions> = {}): BuildLockOptions {
  return offlineBuildOptions(dir, { recipesDir: RECIPES, images: { out: IMAGES_OUT }, ...overrides });
}

async function python(venv: string, code: string) {
  return execa(join(venv, 'bin', 'python'), ['-c', code], { reject: false });
}

describe('real sdists with compiled build requirements and system libraries', () => {
  const tmp = useTempDir('real-sdists', { per: 'suite' });
  beforeAll(async () => {
    const docker = await engine();
    const rootfs = await builderRootfs(docker);
    dir = tmp.path;
    await writeFile(join(dir, 'requirements.txt'), REQUIREMENTS);
    // cffi's derived image is built from scratch in every run, so the test below sees it built twice.
    const cffiImage = derivedImageName('default', CFFI_PACKAGES);
    for (const image of await docker.listImages({ filters: { label: [`org.hbuild.image=${cffiImage}`] } })) {
      await docker.getImage(image.Id).remove({ force: true });
    }
    seconds = {};
    let started = performance.now();
    await lockProject({
      input: join(dir, 'requirements.txt'),
      lockPath: join(dir, 'lock.yaml'),
      indexUrls: [await resolveIndexUrl(undefined)],
      storeRoot: join(dir, 'store'),
      recipesDir: RECIPES,
      images: { out: IMAGES_OUT },
      builder: { image: 'default', rootfs },
      log: pino({ level: 'silent' }),
      emit: () => undefined,
      progress: (m: string) => void process.stderr.write(`real-sdists: ${m}\n`),
      signal: new AbortController().signal,
    });
    seconds.lock = (performance.now() - started) / 1000;
    started = performance.now();
    first = await buildLock(buildOptions({ record: true }));
    seconds.build = (performance.now() - started) / 1000;
    if (!first.published) throw new Error(`the first build failed: ${first.failures.map((f) => `${f.name}: ${f.error.message}`).join('; ')}`);
    manifest = JSON.parse(await readFile(join(dir, 'wheelhouse', 'manifest.json'), 'utf8')) as typeof manifest;
    process.stderr.write(`real-sdists: lock ${seconds.lock.toFixed(0)} s, build ${seconds.build.toFixed(0)} s\n`);
  }, 3_600_000);

  it('locks and builds pyyaml and frozenlist, whose Cython build requirement loads inside the build', async () => {
    const venv = join(dir, 'venv-cython');

    const install = await installWheelhouse(join(dir, 'wheelhouse'), venv);
    const probe = await python(venv, 'import yaml, frozenlist._frozenlist as f; print(yaml.load("a: [1, 2]", Loader=yaml.CLoader), f.FrozenList([1]))');
    const lock = await readLock(join(dir, 'lock.yaml'));

    expect(first.failures.map((f) => `${f.name}: ${f.error.message}`)).toEqual([]);
    expect((lock.lock.packages.find((p) => p.name === 'pyyaml')?.['build-requires'] as string[] | undefined)?.map((r) => r.split('==')[0])).toContain('cython');
    expect((lock.lock.packages.find((p) => p.name === 'frozenlist')?.['build-requires'] as string[] | undefined)?.map((r) => r.split('==')[0])).toContain('cython');
    expect(install.exitCode, install.stderr).toBe(0);
    expect(probe.stderr).toBe('');
    expect(probe.stdout.trim()).toBe("{'a': [1, 2]} <FrozenList(frozen=False, [1])>");
  });

  it('builds cffi and lxml in derived builder images, installs them offline by hash, and they work', async () => {
    const venv = join(dir, 'venv-native');
    const lock = await readLock(join(dir, 'lock.yaml'));
    const pinOf = (name: string) => lock.lock.packages.find((p) => p.name === name)?.['builder-image'];

    const install = await installWheelhouse(join(dir, 'wheelhouse'), venv);
    const xml = await python(venv, 'from lxml import etree; print(etree.fromstring("<a><b>hi</b></a>").findtext("b"), etree.LIBXML_VERSION >= (2, 9))');
    const ffi = await python(venv, 'import cffi; f = cffi.FFI(); f.cdef("size_t strlen(const char *);"); print(f.dlopen(None).strlen(b"hermetic"))');

    expect(install.exitCode, install.stderr).toBe(0);
    expect(xml.stdout.trim(), xml.stderr).toBe('hi True');
    expect(ffi.stdout.trim(), ffi.stderr).toBe('8');
    expect(pinOf('cffi')?.['debian-packages']).toEqual(CFFI_PACKAGES);
    expect(pinOf('lxml')?.['debian-packages']).toEqual(['libxml2-dev', 'libxslt1-dev', 'pkg-config']);
    expect(pinOf('pycparser')).toBeUndefined();
    expect(manifest.packages.find((p) => p.name === 'lxml')?.builderRootfs).toBe(pinOf('lxml')?.rootfs);
  });

  it('lists the system libraries each compiled wheel needs, with the Debian package that provided them, in the manifest and the SBOM', async () => {
    const sbom = JSON.parse(await readFile(join(dir, 'wheelhouse', 'sbom.cdx.json'), 'utf8')) as { components: Array<{ purl: string; name: string }>; dependencies: Array<{ ref: string; dependsOn: string[] }> };
    const libs = (name: string) => manifest.packages.find((p) => p.name === name)?.systemLibraries ?? [];

    const lxml = libs('lxml').map((l) => `${l.soname} ${l.package}`);
    const cffi = libs('cffi').map((l) => `${l.soname} ${l.package}`);
    const debs = sbom.components.filter((c) => c.purl.startsWith('pkg:deb/debian/')).map((c) => c.name);
    const cffiDeps = sbom.dependencies.find((d) => d.ref.startsWith('pkg:pypi/cffi@'))?.dependsOn ?? [];

    expect(lxml).toEqual(expect.arrayContaining(['libxml2.so.2 libxml2', 'libxslt.so.1 libxslt1.1', 'libexslt.so.0 libxslt1.1']));
    expect(cffi).toEqual(['libffi.so.8 libffi8']);
    expect(libs('pyyaml').map((l) => `${l.soname} ${l.package}`)).toEqual(['libyaml-0.so.2 libyaml-0-2']);
    expect(libs('lxml').every((l) => l.version !== null)).toBe(true);
    expect(libs('pycparser')).toEqual([]);
    expect(libs('lxml').some((l) => l.soname.startsWith('libc.so'))).toBe(false);
    expect(debs).toEqual(expect.arrayContaining(['libffi8', 'libxml2', 'libxslt1.1', 'libyaml-0-2']));
    expect(cffiDeps.some((d) => d.startsWith('pkg:deb/debian/libffi8@'))).toBe(true);
  });

  it('reproduces the cffi and lxml pins on a second cold build', async () => {
    for (const name of ['cffi', 'lxml']) {
      const pkg = manifest.packages.find((p) => p.name === name)!;
      await rm(join(dir, 'store', 'actions', `${pkg.inputDigest}.json`));
    }
    const events: string[] = [];

    const second = await buildLock(buildOptions({ outDir: join(dir, 'wheelhouse-2'), only: ['cffi', 'lxml'], emit: (e) => void (e.type === 'package' && e.stage === 'build' && events.push(`${e.name} ${e.status}`)) }));

    expect(second.failures.map((f) => `${f.name}: ${f.error.message}`)).toEqual([]);
    expect(events).toEqual(expect.arrayContaining(['cffi done', 'lxml done']));
    expect(second.records.filter((r) => r.name === 'cffi' || r.name === 'lxml').map((r) => `${r.name} ${r.verdict} ${r.cached}`).sort()).toEqual(['cffi pinned-match false', 'lxml pinned-match false']);
  }, 3_600_000);

  it('builds a missing derived image on demand and refuses one whose rootfs differs from the pin, naming the package and both digests', async () => {
    const lockText = await readFile(join(dir, 'lock.yaml'), 'utf8');
    const lock = await readLock(join(dir, 'lock.yaml'));
    const pinned = lock.lock.packages.find((p) => p.name === 'cffi')!['builder-image']!.rootfs;
    const wrong = `sha256:${'0'.repeat(64)}`;
    const cffiAction = manifest.packages.find((p) => p.name === 'cffi')!.inputDigest;
    await rm(join(dir, 'store', 'actions', `${cffiAction}.json`), { force: true });
    await writeFile(join(dir, 'lock-wrong.yaml'), lockText.replace(pinned, wrong));

    const err = await refusal(buildLock(buildOptions({ lockPath: join(dir, 'lock-wrong.yaml'), outDir: join(dir, 'wheelhouse-wrong'), only: ['cffi'] })));

    // The image was built again from the same recipe and mirror: the same rootfs as the first build.
    expect(err.code).toBe('ERR_IMAGE_MISMATCH');
    expect(err.message).toBe(`cffi: the builder image derived for Debian packages libffi-dev, pkg-config has rootfs ${pinned}, but the lock pins ${wrong}`);
  }, 3_600_000);
});
