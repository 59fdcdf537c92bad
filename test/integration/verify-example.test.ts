import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/verify/summary.js';
import { verifyLock } from '../../src/pipeline/verify-lock.js';
import { tempDir } from '../helpers/tmp.js';
import { createEngine } from '../../src/engine/index.js';

const EXAMPLE = resolve('examples/lock.yaml');
/** flit-core and hatchling normalise file modes; setuptools' bdist_wheel copies them from the build tree. */
const IDENTICAL = ['flit-core', 'wheel', 'packaging', 'pathspec', 'idna', 'hatchling', 'annotated-types'];
const UMASK_ONLY = ['setuptools', 'calver', 'setuptools-scm', 'pluggy', 'trove-classifiers', 'certifi'];

describe('the shipped example under every variation', () => {
  it('reproduces every pin in the standard build; names umask (and for markupsafe the build path) as what else changes the wheels', async () => {
    const dir = await tempDir('verify-example');
    // HBUILD_SDIST_DIR: a directory with the example's sdists, for machines without the index.
    const sdistDirs = process.env.HBUILD_SDIST_DIR ? [process.env.HBUILD_SDIST_DIR] : [];

    const result = await verifyLock({
      lockPath: EXAMPLE,
      storeRoot: join(dir, 'store'),
      reportDir: process.env.HBUILD_VERIFY_REPORT_DIR ?? join(dir, 'report'),
      sdistDirs,
      engine: createEngine(),
      jobs: 2,
      log: pino({ level: 'silent' }),
      emit: () => undefined,
      signal: new AbortController().signal,
    });
    process.stdout.write(renderSummary(result));

    const byName = new Map(result.packages.map((p) => [p.name, p]));
    expect(result.packages).toHaveLength(14);
    expect(result.packages.every((p) => p.pin === 'match')).toBe(true);
    expect(result.packages.filter((p) => p.status === 'identical').map((p) => p.name).sort()).toEqual([...IDENTICAL].sort());
    for (const name of UMASK_ONLY) {
      expect(byName.get(name)).toMatchObject({ status: 'differed', reproducible: false, culprits: ['umask'], diff: { classification: 'archive-metadata-only', differingFiles: [] } });
      expect(new Set(byName.get(name)?.diff?.differences.map((d) => d.kind))).toEqual(new Set(['mode']));
    }
    const markupsafe = byName.get('markupsafe');
    expect(markupsafe).toMatchObject({ status: 'differed', culprits: ['build-path', 'umask'], diff: { classification: 'content', differingFiles: ['markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so'] } });
    expect(markupsafe?.leaks).toEqual([{ kind: 'build path', value: result.sentinels.buildPath, entry: 'markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so', where: 'content' }]);
    expect(result.summary).toMatchObject({ total: 14, identical: 7, differed: 7, notReproducible: 7, pinMismatch: 0, failed: 0, inconclusive: 0 });
    expect(result.outcome).toBe('not-reproducible');
  }, 3 * 3600_000);
});
