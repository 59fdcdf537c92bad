import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAttestations } from '../../src/attest/verify.js';
import { makeSdist, startFakeIndex } from '../fixtures/index-server.js';
import { readZipEntry } from '../fixtures/zip-read.js';
import { hbuild, installedDistributions, installWheelhouse } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';

const BACKEND = readFileSync(new URL('../fixtures/backend.py', import.meta.url), 'utf8');

/**
 * The fixture backend as an installable module: it reads the sdist being built from the
 * working directory (where PEP 517 hooks run) instead of from beside itself, and knows its
 * own version, so a wheel it builds can say which version of the backend built it.
 */
function installedBackend(version: string): string {
  if (!BACKEND.includes('os.path.dirname(__file__)')) throw new Error('fixture backend changed');
  return `${BACKEND.replaceAll('os.path.dirname(__file__)', 'os.getcwd()')}\nBACKEND_VERSION = ${JSON.stringify(version)}\n`;
}

const HOOK = 'import fixback\nreport("backend", fixback.BACKEND_VERSION)\n';

describe('several versions of one build backend in one lock', () => {
  it('locks, builds and publishes both versions when two packages need incompatible ranges, and the wheelhouse installs with --require-hashes --no-index', async () => {
    const dir = await tempDir('backend-versions');
    const index = await startFakeIndex();
    for (const version of ['1.0', '2.0']) {
      const files = { 'backend.py': BACKEND, 'src/fixback/__init__.py': installedBackend(version) };
      index.add('fixback', await makeSdist('fixback', version, { requires: [], backend: 'backend', backendPath: ['.'], files }));
    }
    index.add('old-app', await makeSdist('old-app', '1.0', { requires: ['fixback<2'], backend: 'fixback', files: { 'hook.py': HOOK, 'src/old_app/__init__.py': '' } }));
    index.add('new-app', await makeSdist('new-app', '1.0', { requires: ['fixback>=2'], backend: 'fixback', files: { 'hook.py': HOOK, 'src/new_app/__init__.py': '' } }));
    await writeFile(join(dir, 'requirements.txt'), 'old-app==1.0\nnew-app==1.0\n');
    const common = ['--store', join(dir, 'store'), '--index-url', index.url, '--min-age', '0'];

    const lock = await hbuild(['lock', join(dir, 'requirements.txt'), '--lock', join(dir, 'lock.yaml'), ...common]);
    if (lock.exitCode !== 0) throw new Error(`hbuild lock failed: ${lock.stderr}`);
    const lockText = await readFile(join(dir, 'lock.yaml'), 'utf8');
    await execa('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'signing.pem')]);
    await chmod(join(dir, 'signing.pem'), 0o600);
    const buildArgs = ['build', join(dir, 'lock.yaml'), '--out', join(dir, 'wheelhouse'), '--signing-key', join(dir, 'signing.pem'), ...common];
    const build = await hbuild([...buildArgs, '--record']);
    if (build.exitCode !== 0) throw new Error(`hbuild build failed: ${build.stderr}`);
    const recorded = await readFile(join(dir, 'lock.yaml'), 'utf8');
    const again = await hbuild([...buildArgs, '--json']);
    const check = await hbuild(['lock', join(dir, 'requirements.txt'), '--lock', join(dir, 'lock.yaml'), '--check', ...common]);
    await index.close();
    const wheelhouse = join(dir, 'wheelhouse');
    const wheels = (await readdir(wheelhouse)).filter((f) => f.endsWith('.whl')).sort();
    const venv = join(dir, 'venv');
    const install = await installWheelhouse(wheelhouse, venv, 'build-requirements.txt');
    const installed = await installedDistributions(venv);
    const sums = await readFile(join(wheelhouse, 'SHA256SUMS'), 'utf8');
    const older = /^([0-9a-f]{64}) {2}fixback-1\.0-py3-none-any\.whl$/m.exec(sums)?.[1];
    await writeFile(join(dir, 'older.txt'), `fixback==1.0 --hash=sha256:${older}\n`);
    const second = join(dir, 'venv-older');
    await execa('python3', ['-m', 'venv', second]);
    const installOlder = await execa(join(second, 'bin', 'pip'), ['install', '--require-hashes', '--no-index', '--find-links', wheelhouse, '-r', join(dir, 'older.txt')], {
      env: { PIP_CONFIG_FILE: '/dev/null', PIP_FIND_LINKS: '', PIP_CONSTRAINT: '' },
      reject: false,
    });
    const attestations = await verifyAttestations(wheelhouse);

    expect(lockText).toMatch(/- name: fixback\n {4}version: "1\.0"[\s\S]*- name: fixback\n {4}version: "2\.0"/);
    expect(lockText).toMatch(/- name: new-app\n[\s\S]*?build-requires: \[fixback==2\.0\]\n/);
    expect(lockText).toMatch(/- name: old-app\n[\s\S]*?build-requires: \[fixback==1\.0\]\n/);
    expect(recorded.match(/^ {4}wheel:\n {6}file: fixback-(1|2)\.0-py3-none-any\.whl$/gm)).toHaveLength(2);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('"status":"failed"');
    expect(check.exitCode, check.stderr).toBe(0);
    expect(wheels).toEqual(['fixback-1.0-py3-none-any.whl', 'fixback-2.0-py3-none-any.whl', 'new_app-1.0-py3-none-any.whl', 'old_app-1.0-py3-none-any.whl']);
    expect(await readZipEntry(join(wheelhouse, 'old_app-1.0-py3-none-any.whl'), 'old_app/_probe/backend.txt')).toBe('1.0');
    expect(await readZipEntry(join(wheelhouse, 'new_app-1.0-py3-none-any.whl'), 'new_app/_probe/backend.txt')).toBe('2.0');
    expect(await readFile(join(wheelhouse, 'requirements.txt'), 'utf8')).not.toContain('fixback');
    expect(await readFile(join(wheelhouse, 'build-requirements.txt'), 'utf8')).toMatch(/^fixback==2\.0 --hash=sha256:[0-9a-f]{64}$/m);
    expect(await readFile(join(wheelhouse, 'simple', 'fixback', 'index.html'), 'utf8')).toMatch(/fixback-1\.0-py3-none-any\.whl[\s\S]*fixback-2\.0-py3-none-any\.whl/);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(installed).toEqual(expect.arrayContaining(['fixback==2.0', 'new-app==1.0', 'old-app==1.0']));
    expect(installOlder.exitCode, installOlder.stderr).toBe(0);
    expect(await installedDistributions(second)).toContain('fixback==1.0');
    expect(attestations.problems ?? [], JSON.stringify(attestations)).toEqual([]);
  });
});
