import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HbuildError } from '../../src/core/errors.js';
import { loadSigningKey } from '../../src/attest/keys.js';
import { verifyAttestations } from '../../src/attest/verify.js';
import { attestWheelhouse } from '../../src/attest/write.js';
import { platformFor } from '../../src/core/marker-environment.js';
import { makeWheelhouse } from '../fixtures/wheelhouse.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('wheelhouse-publish');

const SPECS = [
  { name: 'setuptools', version: '75.8.0' },
  { name: 'fx-app', version: '2.0', requires: ['setuptools'], requiresDist: ['fx-lib>=1', 'fx-fast; extra == "fast"', 'fx-win; sys_platform == "win32"'] },
  { name: 'fx-lib', version: '1.0', requires: ['setuptools'] },
  { name: 'fx-fast', version: '0.1', requires: ['setuptools'] },
];

function pinned(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.replace(/ --hash=sha256:[0-9a-f]{64}$/, ''));
}

describe('publishing requirements.txt and build-requirements.txt', () => {
  it('puts the inputs and their runtime dependencies in requirements.txt and the build-only wheels in build-requirements.txt', async () => {
    const { out } = await makeWheelhouse(tmp.path, SPECS, {}, { requested: [{ key: 'fx-app', extras: [] }] });

    const requirements = await readFile(join(out, 'requirements.txt'), 'utf8');
    const build = await readFile(join(out, 'build-requirements.txt'), 'utf8');
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));

    expect(pinned(requirements)).toEqual(['fx-app==2.0', 'fx-lib==1.0']);
    expect(pinned(build)).toEqual(['-r requirements.txt', 'fx-fast==0.1', 'setuptools==75.8.0']);
    expect(manifest.inputs).toEqual(['fx-app']);
    expect(manifest.packages.map((p: { name: string; runtime: boolean }) => `${p.name} ${p.runtime}`)).toEqual(['fx-app true', 'fx-fast false', 'fx-lib true', 'setuptools false']);
    expect((await readFile(join(out, 'SHA256SUMS'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(4);
  });

  it('follows the extras an input asks for', async () => {
    const { out } = await makeWheelhouse(tmp.path, SPECS, {}, { requested: [{ key: 'fx-app', extras: ['fast'] }] });

    expect(pinned(await readFile(join(out, 'requirements.txt'), 'utf8'))).toEqual(['fx-app==2.0', 'fx-fast==0.1', 'fx-lib==1.0']);
  });

  it('counts every package as asked for when the lock records no inputs', async () => {
    const { out } = await makeWheelhouse(tmp.path, SPECS);

    expect(pinned(await readFile(join(out, 'requirements.txt'), 'utf8'))).toEqual(['fx-app==2.0', 'fx-fast==0.1', 'fx-lib==1.0', 'setuptools==75.8.0']);
    expect(pinned(await readFile(join(out, 'build-requirements.txt'), 'utf8'))).toEqual(['-r requirements.txt']);
  });

  it('refuses to publish when a runtime dependency is not in the lock, naming it and who requires it', async () => {
    const specs = SPECS.filter((s) => s.name !== 'fx-lib');

    const error = await makeWheelhouse(tmp.path, specs, {}, { requested: [{ key: 'fx-app', extras: [] }] }).then(
      () => undefined,
      (err: unknown) => err,
    );

    expect(error).toBeInstanceOf(HbuildError);
    expect((error as HbuildError).code).toBe('ERR_LOCK_INVALID');
    expect((error as HbuildError).message).toBe('fx-app 2.0 requires fx-lib at run time, and the lock has no fx-lib');
    expect(await stat(join(tmp.path, 'wheelhouse')).catch(() => 'absent')).toBe('absent');
  });

  it('leaves out, and names, a runtime dependency the lock has but this run did not build (--only)', async () => {
    const warnings: string[] = [];
    const specs = SPECS.filter((s) => s.name !== 'fx-lib');

    const { out } = await makeWheelhouse(tmp.path, specs, {}, {
      requested: [{ key: 'fx-app', extras: [] }],
      lockKeys: new Set(['setuptools', 'fx-app', 'fx-lib', 'fx-fast']),
      warn: (message) => warnings.push(message),
    });

    expect(pinned(await readFile(join(out, 'requirements.txt'), 'utf8'))).toEqual(['fx-app==2.0']);
    expect(warnings).toEqual(['requirements.txt leaves out fx-lib, which fx-app 2.0 requires at run time: this run did not build it (--only)']);
  });

  it('for several targets: runtime closures per target Python, one line per package with a marker where only some targets have it, and attestations that verify', async () => {
    const specs = [
      { target: 'py311', name: 'fx-app', version: '2.0', requiresDist: ['fx-lib', 'fx-old; python_version < "3.13"'] },
      { target: 'py313', name: 'fx-app', version: '2.0', requiresDist: ['fx-lib', 'fx-old; python_version < "3.13"'] },
      { target: 'py311', name: 'fx-lib', version: '1.0' },
      { target: 'py313', name: 'fx-lib', version: '1.0' },
      { target: 'py311', name: 'fx-old', version: '0.1' },
    ];
    const targets = [
      { name: 'py311', image: 'default', rootfs: `sha256:${'1'.repeat(64)}`, platform: platformFor('3.11.2'), lockKeys: new Set(['fx-app', 'fx-lib', 'fx-old']) },
      { name: 'py313', image: 'trixie', rootfs: `sha256:${'3'.repeat(64)}`, platform: platformFor('3.13.5'), lockKeys: new Set(['fx-app', 'fx-lib']) },
    ];

    const { out } = await makeWheelhouse(tmp.path, specs, {}, { requested: [{ key: 'fx-app', extras: [] }], targets });
    const key = await loadSigningKey({ env: { XDG_CONFIG_HOME: join(tmp.path, 'config') } });
    await attestWheelhouse(out, { key });

    const requirements = await readFile(join(out, 'requirements.txt'), 'utf8');
    expect(requirements.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/ --hash=sha256:[0-9a-f]{64}/g, ' --hash'))).toEqual([
      'fx-app==2.0 --hash',
      'fx-lib==1.0 --hash',
      'fx-old==0.1 ; python_version == "3.11" --hash',
    ]);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.packages.map((p: { name: string; targets: string[] }) => `${p.name} ${p.targets.join(',')}`)).toEqual(['fx-app py311,py313', 'fx-lib py311,py313', 'fx-old py311']);
    const report = await verifyAttestations(out);
    expect(report.problems).toEqual([]);
    expect(report.wheels).toBe(3);
  });
});
