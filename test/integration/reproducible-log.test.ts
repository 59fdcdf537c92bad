import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CONTAINER_LABEL, createEngine, OWNER_PID_LABEL } from '../../src/engine/index.js';
import { buildLock } from '../../src/pipeline/build-lock.js';
import { openStore } from '../../src/store/store.js';
import { tempDir } from '../helpers/tmp.js';
import { engine as docker } from './harness.js';

interface ManifestPackage {
  name: string;
  log: { sha256: string };
  timings: Record<string, number>;
}

describe('reproducible build logs: two cold builds of the shipped example (real sdists from the index)', () => {
  it('log the same bytes, so manifest.json is the same apart from the timings', async () => {
    const dir = await tempDir('repro-log');
    const runs = [];
    for (const name of ['one', 'two']) {
      const result = await buildLock({
        lockPath: resolve('examples/lock.yaml'),
        // setuptools builds itself and calver, and prints its temporary directory's name; markupsafe compiles C.
        only: ['calver', 'markupsafe'],
        outDir: join(dir, name, 'wheelhouse'),
        storeRoot: join(dir, name, 'store'),
        record: false,
        failFast: false,
        sdistDirs: [],
        recipesDir: resolve('recipes'),
        engine: createEngine(),
        log: pino({ level: 'silent' }),
        emit: () => undefined,
        signal: new AbortController().signal,
      });
      const manifest = JSON.parse(await readFile(join(dir, name, 'wheelhouse', 'manifest.json'), 'utf8')) as { packages: ManifestPackage[] };
      runs.push({ result, manifest, store: await openStore(join(dir, name, 'store')) });
    }
    // Exited containers are removed while the next build runs, and every removal is awaited before the run returns.
    const leftovers = await (await docker()).listContainers({ all: true, filters: { label: [CONTAINER_LABEL, `${OWNER_PID_LABEL}=${process.pid}`] } });
    const [one, two] = runs as [(typeof runs)[number], (typeof runs)[number]];
    const setuptools = one.manifest.packages.find((p) => p.name === 'setuptools')!;
    const log = await readFile(one.store.blobPath('logs', setuptools.log.sha256), 'utf8');
    const withoutTimings = (m: { packages: ManifestPackage[] }): unknown => ({ ...m, packages: m.packages.map(({ timings: _, ...rest }) => rest) });

    expect(leftovers).toEqual([]);
    expect(one.result.failures).toEqual([]);
    expect(two.result.failures).toEqual([]);
    expect(one.result.records.every((r) => !r.cached)).toBe(true);
    expect(two.result.records.every((r) => !r.cached)).toBe(true);
    expect(one.manifest.packages.map((p) => p.name)).toEqual(['calver', 'markupsafe', 'setuptools']);
    expect(two.manifest.packages.map((p) => p.log.sha256)).toEqual(one.manifest.packages.map((p) => p.log.sha256));
    expect(withoutTimings(two.manifest)).toEqual(withoutTimings(one.manifest));
    // What used to differ: the frontend's own timings and setuptools' temporary directory.
    expect(log).toMatch(/^hbuild-frontend: build_wheel: setuptools-75\.8\.0-py3-none-any\.whl$/m);
    expect(log).not.toMatch(/ in [0-9.]+ s/);
    expect(log).toMatch(/creating '\/build\/out\/\.tmp-[a-z0-9_]{8}\/setuptools-75\.8\.0-py3-none-any\.whl'/);
  });
});
