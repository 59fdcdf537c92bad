import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { pino } from 'pino';
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAttestations } from '../../src/attest/verify.js';
import { readImageRecipe } from '../../src/image/recipe.js';
import { readLock } from '../../src/lockfile/read.js';
import { targetLock } from '../../src/lockfile/targets.js';
import { listBlobs } from '../../src/store/verify-store.js';
import { SHIPPED_IMAGES_DIR } from '../../src/pipeline/builder-images.js';
import { writeNativeSdist } from '../fixtures/native-pkg.js';
import { writeFixtureSdist, type FixtureSdist } from '../fixtures/pkg.js';
import { installedDistributions, installWheelhouse } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { verifyLock } from '../../src/pipeline/verify-lock.js';
import { createEngine } from '../../src/engine/index.js';
import { makeSdist, startFakeIndex } from '../fixtures/index-server.js';
import { builderRootfs, buildInDir, engine } from './harness.js';

const BACKEND = readFileSync(new URL('../fixtures/backend.py', import.meta.url), 'utf8');

const IMPORTS = 'import tgt_pure, tgt_native, sys; print(tgt_native.built_for(), tgt_pure.VERSION, sys.version_info[:2])';

/** A lock with two targets: bookworm's CPython 3.11 and trixie's 3.13; `only311` is built for py311 alone. */
function twoTargetLock(rootfs: { py311: string; py313: string }, packages: Array<FixtureSdist & { targets?: string[] }>): string {
  const lines = [
    'version: 1',
    'targets:',
    `  - {name: py311, image: default, rootfs: ${rootfs.py311}}`,
    `  - {name: py313, image: trixie, rootfs: ${rootfs.py313}}`,
    'settings:',
    '  source-date-epoch: 1700000000',
    'inputs: [tgt-native, tgt-only311]',
    'packages:',
  ];
  for (const p of packages) {
    lines.push(`  - name: ${p.name}`, `    version: "${p.version}"`, `    sdist: {file: ${p.file}, sha256: ${p.sha256}, path: ${p.file}}`);
    if (p.targets) lines.push(`    targets: [${p.targets.join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

describe('a lock with two targets (bookworm CPython 3.11, trixie CPython 3.13)', () => {
  let rootfs: { py311: string; py313: string };
  let trixieImage: string;

  beforeAll(async () => {
    const docker = await engine();
    rootfs = { py311: await builderRootfs(docker), py313: await builderRootfs(docker, 'trixie') };
    const images = await docker.listImages({ filters: { label: ['org.hbuild.image=trixie'] } });
    trixieImage = images[0]!.Id;
  });

  it("each image's recipe names the CPython the image has", async () => {
    const docker = await engine();
    for (const name of ['default', 'trixie']) {
      const id = (await docker.listImages({ filters: { label: [`org.hbuild.image=${name}`] } }))[0]!.Id;
      const { stdout } = await execa('docker', ['run', '--rm', '--network', 'none', id, 'python3', '-c', 'import platform; print(platform.python_version())']);

      expect(stdout.trim(), name).toBe((await readImageRecipe(SHIPPED_IMAGES_DIR, name)).python);
    }
  });

  it('builds every package per target, publishes a bit-identical pure wheel once, and one requirements.txt installs on 3.11 and, offline in trixie, on 3.13', async () => {
    const dir = await tempDir('targets');
    const pure = await writeFixtureSdist(dir, { name: 'tgt-pure', version: '1.0' });
    const native = await writeNativeSdist(dir, { name: 'tgt-native', version: '1.0', dependencies: ['tgt-pure'] });
    const only311 = await writeFixtureSdist(dir, { name: 'tgt-only311', version: '2.0' });
    const lockText = twoTargetLock(rootfs, [pure, native, { ...only311, targets: ['py311'] }]);

    const first = await buildInDir(dir, lockText, { record: true });

    expect(first.failures.map((f) => `${f.name}: ${f.error.message} ${String(f.error.details.logTail ?? '')}`)).toEqual([]);
    expect(first.records.map((r) => `${r.target} ${r.wheel.file}`).sort()).toEqual([
      'py311 tgt_native-1.0-cp311-cp311-linux_x86_64.whl',
      'py311 tgt_only311-2.0-py3-none-any.whl',
      'py311 tgt_pure-1.0-py3-none-any.whl',
      'py313 tgt_native-1.0-cp313-cp313-linux_x86_64.whl',
      'py313 tgt_pure-1.0-py3-none-any.whl',
    ]);
    const pures = first.records.filter((r) => r.name === 'tgt-pure');
    expect(pures[0]!.builderRootfs).not.toBe(pures[1]!.builderRootfs);
    expect(pures[0]!.inputDigest).not.toBe(pures[1]!.inputDigest);
    expect(pures[0]!.wheel.sha256).toBe(pures[1]!.wheel.sha256);
    // Content-addressed: the two builds of the pure wheel are one blob, and the wheelhouse holds it once.
    expect((await listBlobs(join(dir, 'store'), 'wheels')).length).toBe(4);
    const wheelhouse = join(dir, 'wheelhouse');
    const sums = (await readFile(join(wheelhouse, 'SHA256SUMS'), 'utf8')).trim().split('\n');
    expect(sums.map((l) => l.split('  ')[1])).toEqual([
      'tgt_native-1.0-cp311-cp311-linux_x86_64.whl',
      'tgt_native-1.0-cp313-cp313-linux_x86_64.whl',
      'tgt_only311-2.0-py3-none-any.whl',
      'tgt_pure-1.0-py3-none-any.whl',
    ]);
    const natives = first.records.filter((r) => r.name === 'tgt-native').map((r) => r.wheel.sha256).sort();
    const requirements = await readFile(join(wheelhouse, 'requirements.txt'), 'utf8');
    expect(requirements.split('\n').filter((l) => !l.startsWith('#') && l !== '')).toEqual([
      `tgt-native==1.0 --hash=sha256:${natives[0]} --hash=sha256:${natives[1]}`,
      `tgt-only311==2.0 ; python_version == "3.11" --hash=sha256:${first.records.find((r) => r.name === 'tgt-only311')!.wheel.sha256}`,
      `tgt-pure==1.0 --hash=sha256:${pures[0]!.wheel.sha256}`,
    ]);
    const manifest = JSON.parse(await readFile(join(wheelhouse, 'manifest.json'), 'utf8'));
    expect(manifest.targets.map((t: { name: string; python: string }) => `${t.name} ${t.python}`)).toEqual(['py311 3.11.2', 'py313 3.13.5']);
    expect(manifest.packages.map((p: { wheel: { file: string }; targets: string[] }) => `${p.wheel.file} ${p.targets.join(',')}`)).toEqual([
      'tgt_native-1.0-cp311-cp311-linux_x86_64.whl py311',
      'tgt_native-1.0-cp313-cp313-linux_x86_64.whl py313',
      'tgt_only311-2.0-py3-none-any.whl py311',
      'tgt_pure-1.0-py3-none-any.whl py311,py313',
    ]);
    const sbom = JSON.parse(await readFile(join(wheelhouse, 'sbom.cdx.json'), 'utf8'));
    expect(sbom.components.map((c: { 'bom-ref': string }) => c['bom-ref']).sort()).toEqual([
      'pkg:pypi/tgt-native@1.0?file_name=tgt_native-1.0-cp311-cp311-linux_x86_64.whl',
      'pkg:pypi/tgt-native@1.0?file_name=tgt_native-1.0-cp313-cp313-linux_x86_64.whl',
      'pkg:pypi/tgt-only311@2.0?file_name=tgt_only311-2.0-py3-none-any.whl',
      'pkg:pypi/tgt-pure@1.0?file_name=tgt_pure-1.0-py3-none-any.whl',
    ]);
    const attested = await verifyAttestations(wheelhouse);
    expect(attested.problems).toEqual([]);
    expect(attested.wheels).toBe(4);

    // --record wrote each target's pins; a second run matches them all from the cache.
    const lock = (await readLock(join(dir, 'lock.yaml'))).lock;
    expect(targetLock(lock, 'py313').packages.map((p) => `${p.name} ${p.wheel?.file}`)).toEqual(['tgt-pure tgt_pure-1.0-py3-none-any.whl', 'tgt-native tgt_native-1.0-cp313-cp313-linux_x86_64.whl']);
    const again = await buildInDir(dir, await readFile(join(dir, 'lock.yaml'), 'utf8'));
    expect(again.failures).toEqual([]);
    expect(again.records.every((r) => r.cached && r.verdict === 'pinned-match')).toBe(true);

    const venv = join(dir, 'venv311');
    const installed = await installWheelhouse(wheelhouse, venv);
    expect(installed.exitCode, installed.stderr).toBe(0);
    expect(await installedDistributions(venv)).toEqual(expect.arrayContaining(['tgt-native==1.0', 'tgt-only311==2.0', 'tgt-pure==1.0']));
    const host = await execa(join(venv, 'bin', 'python'), ['-c', `${IMPORTS}; import tgt_only311`]);
    expect(host.stdout).toBe('3.11.2 1.0 (3, 11)');

    const inTrixie = [
      'set -e',
      'python3 -m venv /tmp/venv',
      'PIP_CONFIG_FILE=/dev/null /tmp/venv/bin/pip install --quiet --require-hashes --no-index --find-links /wheelhouse -r /wheelhouse/requirements.txt',
      '/tmp/venv/bin/pip list --format=freeze',
      `/tmp/venv/bin/python -c '${IMPORTS}'`,
    ].join('\n');
    const trixie = await execa('docker', ['run', '--rm', '--network', 'none', '-v', `${wheelhouse}:/wheelhouse:ro`, trixieImage, 'sh', '-c', inTrixie], { reject: false });
    expect(trixie.exitCode, trixie.stderr).toBe(0);
    const lines = trixie.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('tgt'))).toEqual(['tgt_native==1.0', 'tgt_pure==1.0']);
    expect(lines.at(-1)).toBe('3.13.5 1.0 (3, 13)');
  }, 600_000);

  it('--target builds one target only, into a wheelhouse of its own', async () => {
    const dir = await tempDir('targets-one');
    const pure = await writeFixtureSdist(dir, { name: 'tgt-pure', version: '1.0' });
    const native = await writeNativeSdist(dir, { name: 'tgt-native', version: '1.0', dependencies: ['tgt-pure'] });
    const only311 = await writeFixtureSdist(dir, { name: 'tgt-only311', version: '2.0' });

    const run = await buildInDir(dir, twoTargetLock(rootfs, [pure, native, { ...only311, targets: ['py311'] }]), { record: true, target: 'py313' });

    expect(run.failures).toEqual([]);
    expect(run.records.map((r) => `${r.target} ${r.name}`).sort()).toEqual(['py313 tgt-native', 'py313 tgt-pure']);
    const requirements = await readFile(join(dir, 'wheelhouse', 'requirements.txt'), 'utf8');
    expect(requirements).toContain('tgt-native==1.0 --hash=');
    expect(requirements).not.toContain('tgt-only311');
    expect(requirements).not.toContain('python_version');
  }, 600_000);

  it('hbuild lock runs each target\'s build hooks in its own image, and the lock it writes builds on both', async () => {
    const dir = await tempDir('targets-lock');
    const index = await startFakeIndex();
    const inTree = { requires: [], backend: 'backend', backendPath: ['.'] };
    index.add('dep-old', await makeSdist('dep-old', '1.0', { ...inTree, files: { 'backend.py': BACKEND, 'src/dep_old/__init__.py': '' } }));
    index.add('dep-new', await makeSdist('dep-new', '1.0', { ...inTree, files: { 'backend.py': BACKEND, 'src/dep_new/__init__.py': '' } }));
    // The hook answers for the Python it runs on: only the target's own image can give the right answer.
    const appBackend = `${BACKEND}\n\ndef get_requires_for_build_wheel(config_settings=None):\n    import sys\n    return ["dep-new" if sys.version_info >= (3, 13) else "dep-old"]\n`;
    index.add('app', await makeSdist('app', '1.0', { ...inTree, files: { 'backend.py': appBackend, 'src/app/__init__.py': '' } }));
    await writeFile(join(dir, 'requirements.txt'), 'app==1.0\n');

    await lockProject({
      input: join(dir, 'requirements.txt'),
      lockPath: join(dir, 'lock.yaml'),
      indexUrls: [index.url],
      storeRoot: join(dir, 'store'),
      targets: [{ name: 'py311', image: 'default' }, { name: 'py313', image: 'trixie' }],
      minAgeDays: 0,
      credentialsFor: () => undefined,
      log: pino({ level: 'silent' }),
      emit: () => undefined,
      signal: new AbortController().signal,
    });
    const { lock } = await readLock(join(dir, 'lock.yaml'));

    expect(lock.targets).toEqual([{ name: 'py311', image: 'default', rootfs: rootfs.py311 }, { name: 'py313', image: 'trixie', rootfs: rootfs.py313 }]);
    expect(lock.packages.map((p) => `${p.name} ${JSON.stringify(p['build-requires'])} ${p.targets?.join(',') ?? 'all'}`)).toEqual([
      'app {"py311":["dep-old==1.0"],"py313":["dep-new==1.0"]} all',
      'dep-new [] py313',
      'dep-old [] py311',
    ]);

    const built = await buildInDir(dir, await readFile(join(dir, 'lock.yaml'), 'utf8'), { record: true, sdistDirs: [], indexUrl: index.url });
    const verified = await verifyLock({ lockPath: join(dir, 'lock.yaml'), storeRoot: join(dir, 'store'), sdistDirs: [], indexUrl: index.url, engine: createEngine(), variations: ['umask'], log: pino({ level: 'silent' }), emit: () => undefined, signal: new AbortController().signal });
    await index.close();
    expect(verified.packages.map((p) => `${p.target} ${p.name} ${p.status}`).sort()).toEqual(['py311 app identical', 'py311 dep-old identical', 'py313 app identical', 'py313 dep-new identical']);
    expect(verified.targets?.map((t) => t.name)).toEqual(['py311', 'py313']);
    expect(built.failures.map((f) => f.error.message)).toEqual([]);
    expect(built.records.map((r) => `${r.target} ${r.name} [${r.requirementWheels.map((w) => w.name).join(',')}]`).sort()).toEqual(['py311 app [dep-old]', 'py311 dep-old []', 'py313 app [dep-new]', 'py313 dep-new []']);
    const requirements = await readFile(join(dir, 'wheelhouse', 'requirements.txt'), 'utf8');
    expect(requirements).toMatch(/^app==1\.0 --hash=sha256:[0-9a-f]{64}$/m);
    expect(await readFile(join(dir, 'wheelhouse', 'build-requirements.txt'), 'utf8')).toMatch(/^dep-new==1\.0 ; python_version == "3\.13" --hash=/m);
  }, 600_000);
});
