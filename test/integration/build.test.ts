import type Docker from 'dockerode';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../src/core/digest.js';
import { writeTarGz } from '../fixtures/tar.js';
import { readZipEntry } from '../fixtures/zip-read.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { tempDir } from '../helpers/tmp.js';
import { buildInDir, builderRootfs, engine, leftoverContainers } from './harness.js';

describe('the build pipeline against the real engine', () => {
  let docker: Docker;
  let rootfs: string;

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
  });

  it('builds in dependency order, installs build requirements offline from the lock, records pins, then verifies and reuses them', async () => {
    const dir = await tempDir('order');
    const dep = await writeFixtureSdist(dir, { name: 'fx-backend-dep', version: '1.0' });
    const app = await writeFixtureSdist(dir, { name: 'fx-app', version: '2.0', requires: ['fx-backend-dep'], hook: 'import fx_backend_dep\nreport("dep", fx_backend_dep.VERSION)\n' });
    const lock = fixtureLock(rootfs, [{ ...app, buildRequires: ['fx-backend-dep'] }, dep]);

    const unpinned = await buildInDir(dir, lock);
    const recorded = await buildInDir(dir, await readFile(join(dir, 'lock.yaml'), 'utf8'), { record: true });
    const lockAfter = await readFile(join(dir, 'lock.yaml'), 'utf8');
    const verified = await buildInDir(dir, lockAfter);

    expect(unpinned.failures.map((f) => f.error.code).sort()).toEqual(['ERR_DEPENDENCY_FAILED', 'ERR_WHEEL_UNPINNED']);
    expect(unpinned.published).toBe(false);
    expect(recorded.failures).toEqual([]);
    expect(recorded.records.map((r) => r.name)).toEqual(['fx-backend-dep', 'fx-app']);
    expect(recorded.records.map((r) => r.verdict)).toEqual(['recorded', 'recorded']);
    expect(lockAfter).toContain(`sha256: ${recorded.records[0]?.wheel.sha256}`);
    expect(verified.failures).toEqual([]);
    expect(verified.records.every((r) => r.cached && r.verdict === 'pinned-match')).toBe(true);
    const manifest = JSON.parse(await readFile(join(dir, 'wheelhouse', 'manifest.json'), 'utf8'));
    const appEntry = manifest.packages.find((p: { name: string }) => p.name === 'fx-app');
    expect(appEntry.requirementWheels).toEqual([{ name: 'fx-backend-dep', file: recorded.records[0]?.wheel.file, sha256: recorded.records[0]?.wheel.sha256 }]);
    expect(appEntry.sdist.sha256).toBe(app.sha256);
    expect(appEntry.treeDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(appEntry.builderRootfs).toBe(rootfs);
    expect(appEntry.log.sha256).toMatch(/^[0-9a-f]{64}$/);
    const sums = await readFile(join(dir, 'wheelhouse', 'SHA256SUMS'), 'utf8');
    for (const r of verified.records) {
      expect(sums).toContain(`${r.wheel.sha256}  ${r.wheel.file}`);
      expect(await sha256File(join(dir, 'wheelhouse', r.wheel.file))).toBe(r.wheel.sha256);
    }
  });

  it('discards a wheel whose hash differs from its pin, keeps it for diffing, and leaves the previous wheelhouse as it was', async () => {
    const dir = await tempDir('mismatch');
    const good = await writeFixtureSdist(dir, { name: 'fx-pinned', version: '1.0' });
    await buildInDir(dir, fixtureLock(rootfs, [good]), { record: true });
    const before = await snapshot(join(dir, 'wheelhouse'));
    const wrong = 'f'.repeat(64);
    const lock = fixtureLock(rootfs, [{ ...good, wheelFile: 'fx_pinned-1.0-py3-none-any.whl', wheelSha256: wrong }]);

    const run = await buildInDir(dir, lock, { storeRoot: join(dir, 'store2') });

    expect(run.failures).toHaveLength(1);
    expect(run.failures[0]?.error.code).toBe('ERR_HASH_MISMATCH');
    expect(run.failures[0]?.error.message).toContain(wrong);
    expect(run.failures[0]?.error.message).toContain('fx-pinned');
    expect(run.published).toBe(false);
    expect(await snapshot(join(dir, 'wheelhouse'))).toEqual(before);
    const rejected = await readdir(join(dir, 'store2', 'rejected'));
    expect(rejected).toHaveLength(1);
    expect(await readdir(join(dir, 'store2', 'rejected', rejected[0] as string))).toContain('fx_pinned-1.0-py3-none-any.whl');
  });

  it('refuses an sdist whose bytes differ from the pin and stores nothing', async () => {
    const dir = await tempDir('sdist-pin');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-tampered', version: '1.0' });

    const run = await buildInDir(dir, fixtureLock(rootfs, [{ ...sdist, sha256: 'a'.repeat(64) }]), { record: true });

    expect(run.failures[0]?.error.code).toBe('ERR_HASH_MISMATCH');
    expect(run.failures[0]?.stage).toBe('fetch');
    expect(run.failures[0]?.error.message).toContain(sdist.sha256);
    expect(await readdir(join(dir, 'store', 'sources'))).toEqual([]);
  });

  it('refuses a wheel that claims another project', async () => {
    const dir = await tempDir('liar');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-liar', version: '1.0', claimName: 'requests' });

    const run = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true });

    expect(run.failures[0]?.error.code).toBe('ERR_WHEEL_MISMATCH');
    expect(run.failures[0]?.error.message).toMatch(/requests/);
    expect(run.published).toBe(false);
  });

  it.each([
    ['path traversal', [{ name: 'fx_evil-1.0/PKG-INFO', content: 'Metadata-Version: 2.1\nName: fx-evil\nVersion: 1.0\n' }, { name: 'fx_evil-1.0/../../escape.py', content: 'x' }], 'escape.py'],
    ['a symlink out of the tree', [{ name: 'fx_evil-1.0/PKG-INFO', content: 'Metadata-Version: 2.1\nName: fx-evil\nVersion: 1.0\n' }, { name: 'fx_evil-1.0/passwd', type: 'symlink' as const, linkname: '../../../etc/passwd' }], 'passwd'],
  ])('refuses %s before any container starts', async (_label, entries, member) => {
    const dir = await tempDir('unsafe');
    const written = await writeTarGz(join(dir, 'fx_evil-1.0.tar.gz'), entries);
    const lock = fixtureLock(rootfs, [{ name: 'fx-evil', version: '1.0', file: 'fx_evil-1.0.tar.gz', path: written.path, sha256: written.sha256, size: written.size }]);

    const run = await buildInDir(dir, lock, { record: true });

    expect(run.failures[0]?.error.code).toBe('ERR_ARCHIVE_UNSAFE');
    expect(run.failures[0]?.stage).toBe('inspect');
    expect(run.failures[0]?.error.message).toContain(member);
    expect(run.events.some((e) => e.type === 'package' && e.stage === 'build')).toBe(false);
    expect(await leftoverContainers(docker, 'fx-evil==1.0')).toEqual([]);
  });

  it('refuses a source that vetting blocks, before any container starts, and builds it with --vet report', async () => {
    const dir = await tempDir('vet-block');
    const files = { 'fx_vetblock/__init__.py': 'x = 1\n', 'fx_vetblock-init.pth': 'import os; os.system("echo pwned")\n' };
    const sdist = await writeFixtureSdist(dir, { name: 'fx-vetblock', version: '1.0', files });

    const enforced = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true });
    const reported = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true, vet: 'report', outDir: join(dir, 'wh-report') });

    expect(enforced.failures[0]?.error.code).toBe('ERR_VET_BLOCKED');
    expect(enforced.failures[0]?.stage).toBe('vet');
    expect(enforced.failures[0]?.error.message).toMatch(/HB\d+ src\/fx_vetblock-init\.pth:1/);
    expect(enforced.events.some((e) => e.type === 'package' && e.stage === 'build')).toBe(false);
    expect(reported.failures).toEqual([]);
    expect(reported.records[0]?.vet?.verdict).toBe('block');
  });

  it('loads a build requirement\'s compiled module inside the build (from the build environment under /build/env)', async () => {
    const dir = await tempDir('native-req');
    const compile = [
      'import os, subprocess',
      'out = os.path.join(os.getcwd(), "src", "fx_native", "libanswer.so")',
      'src = os.path.join(os.environ["TMPDIR"], "answer.c")',
      'open(src, "w").write("int answer(void) { return 42; }\\n")',
      'subprocess.run(["gcc", "-shared", "-fPIC", "-o", out, src], check=True)',
    ].join('\n');
    const load = [
      'import ctypes, os, fx_native',
      'lib = ctypes.CDLL(os.path.join(os.path.dirname(fx_native.__file__), "libanswer.so"))',
      'report("answer", str(lib.answer()))',
    ].join('\n');
    const native = await writeFixtureSdist(dir, { name: 'fx-native', version: '1.0', hook: compile });
    const user = await writeFixtureSdist(dir, { name: 'fx-native-user', version: '1.0', hook: load, requires: ['fx-native'] });

    const run = await buildInDir(dir, fixtureLock(rootfs, [native, { ...user, buildRequires: ['fx-native'] }]), { record: true });

    expect(run.failures.map((f) => `${f.name}: ${f.error.message} ${String(f.error.details.logTail ?? '')}`)).toEqual([]);
    const wheel = run.records.find((r) => r.name === 'fx-native-user')!.wheel;
    expect(await readZipEntry(join(dir, 'wheelhouse', wheel.file), 'fx_native_user/_probe/answer.txt')).toBe('42');
  });

  it('keeps the log of a failed build in the store and names the file', async () => {
    const dir = await tempDir('failed-log');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-failing', version: '1.0', hook: 'print("the marker line of a failing build", flush=True)\nraise SystemExit(3)\n' });

    const run = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true });

    const failure = run.failures[0];
    expect(failure?.error.code).toBe('ERR_BUILD_FAILED');
    const logPath = String(failure?.error.details.logPath);
    expect(failure?.error.message).toContain(`(build log: ${logPath})`);
    expect(logPath.startsWith(join(dir, 'store', 'logs'))).toBe(true);
    expect(await readFile(logPath, 'utf8')).toContain('the marker line of a failing build');
  });

  it('bounds a build\'s scratch: writing twice limits.disk-mib fails that build, naming the limit', async () => {
    const dir = await tempDir('disk-bound');
    const hook = 'import os\nwith open("filler.bin", "wb") as f:\n    for _ in range(128):\n        f.write(b"x" * 2**20)\n';
    const sdist = await writeFixtureSdist(dir, { name: 'fx-filler', version: '1.0', hook });
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes', 'fx-filler.yaml'), 'limits:\n  disk-mib: 64\n');

    const run = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true });

    expect(run.failures[0]?.error.code).toBe('ERR_BUILD_FAILED');
    expect(run.failures[0]?.error.message).toMatch(/^build ran out of scratch space: \/build is limited to 64 MiB/);
    expect(run.failures[0]?.error.hint).toContain('limits.disk-mib');
    expect(await leftoverContainers(docker, 'fx-filler==1.0')).toEqual([]);
  });

  it('refuses a builder image other than the pinned one', async () => {
    const dir = await tempDir('image-pin');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-image', version: '1.0' });

    const attempt = buildInDir(dir, fixtureLock(`sha256:${'b'.repeat(64)}`, [sdist]), { record: true });

    await expect(attempt).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_IMAGE_(MISSING|MISMATCH)$/), message: expect.stringContaining('b'.repeat(64)) });
  });
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir, { recursive: true })).sort()) {
    out[name] = await sha256File(join(dir, name)).catch(() => 'dir');
  }
  return out;
}

