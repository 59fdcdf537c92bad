import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lockProject } from '../../src/resolve/lock-project.js';
import { readLock } from '../../src/lockfile/read.js';
import { makeSdist, startFakeIndex } from '../fixtures/index-server.js';
import { tempDir } from '../helpers/tmp.js';
import { builderRootfs, engine } from './harness.js';

const BACKEND = readFileSync(new URL('../fixtures/backend.py', import.meta.url), 'utf8');

/** The fixture backend, with Requires-Dist lines in the wheel's METADATA. */
function backendRequiring(...deps: string[]): string {
  const marker = 'f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n"';
  if (!BACKEND.includes(marker)) throw new Error('fixture backend changed');
  return BACKEND.replace(marker, `(${marker} + ${JSON.stringify(deps.map((d) => `Requires-Dist: ${d}\n`).join(''))})`);
}

describe('hbuild lock with the Docker builder', () => {
  it('runs get_requires_for_build_wheel in the builder with the static closure installed, and follows wheel METADATA', async () => {
    const docker = await engine();
    const rootfs = await builderRootfs(docker);
    const dir = await tempDir('lock-probe');
    const index = await startFakeIndex();
    const inTree = { requires: [], backend: 'backend', backendPath: ['.'] };
    index.add('runtime-dep', await makeSdist('runtime-dep', '1.0', { ...inTree, files: { 'backend.py': BACKEND, 'src/runtime_dep/__init__.py': '' } }));
    index.add('extra-dep', await makeSdist('extra-dep', '1.0', { ...inTree, files: { 'backend.py': BACKEND, 'src/extra_dep/__init__.py': '' } }));
    index.add('helper', await makeSdist('helper', '1.0', { ...inTree, files: { 'backend.py': backendRequiring('runtime-dep>=1.0'), 'src/helper/__init__.py': 'DYNAMIC = ["extra-dep"]\n' } }));
    const appBackend = `${BACKEND}\n\ndef get_requires_for_build_wheel(config_settings=None):\n    import helper, runtime_dep\n    return list(helper.DYNAMIC)\n`;
    index.add('app', await makeSdist('app', '1.0', { requires: ['helper'], backend: 'backend', backendPath: ['.'], files: { 'backend.py': appBackend, 'src/app/__init__.py': '' } }));
    await writeFile(join(dir, 'requirements.txt'), 'app==1.0\n');

    const result = await lockProject({
      input: join(dir, 'requirements.txt'),
      lockPath: join(dir, 'lock.yaml'),
      indexUrls: [index.url],
      storeRoot: join(dir, 'store'),
      builder: { image: 'default', rootfs },
      minAgeDays: 0,
      credentialsFor: () => undefined,
      log: pino({ level: 'silent' }),
      emit: () => undefined,
      signal: new AbortController().signal,
    });
    const loaded = await readLock(join(dir, 'lock.yaml'));
    await index.close();

    expect(result.packages.map((p) => `${p.name} [${p.buildRequires.join(', ')}]`)).toEqual(['app [extra-dep==1.0, helper==1.0, runtime-dep==1.0]', 'extra-dep []', 'helper []', 'runtime-dep []']);
    expect(loaded.lock.builder?.rootfs).toBe(rootfs);
  });
});
