import { realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobContext } from '../../src/daemon/job-runner.js';
import type { Job } from '../../src/daemon/schema.js';
import { isHbuildError } from '../../src/core/errors.js';
import { verifyJobRunner } from '../../src/daemon/verify-job.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { tempDir } from '../helpers/tmp.js';
import { builderRootfs, engine } from './harness.js';
import { createEngine } from '../../src/engine/index.js';

function context(dir: string, lockPath: string, roots: string[]): JobContext {
  const job: Job = {
    id: '000000000123456789abc',
    kind: 'verify',
    lockPath,
    source: 'path',
    options: { jobs: 2 },
    outDir: join(dir, 'unused'),
    state: 'running',
    attempts: 1,
    submittedAt: new Date().toISOString(),
  };
  return { job, roots, storeRoot: join(dir, 'store'), engine: createEngine(), log: pino({ level: 'silent' }), emit: () => undefined, signal: new AbortController().signal };
}

describe('the daemon\'s verify runner', () => {
  let rootfs: string;

  beforeAll(async () => {
    rootfs = await builderRootfs(await engine());
  });

  it('runs hbuild verify for a lock under the roots and reports what the CLI would print and exit with', async () => {
    const dir = await tempDir('verify-job');
    const root = await realpath(dir);
    const sdist = await writeFixtureSdist(root, { name: 'fx-vjob', version: '1.0' });
    await writeFile(join(root, 'lock.yaml'), fixtureLock(rootfs, [sdist]));

    const outcome = await verifyJobRunner(context(root, join(root, 'lock.yaml'), [root]));

    expect(outcome.exitCode).toBe(0);
    expect(outcome.summary).toMatchObject({ kind: 'verify', data: { outcome: 'reproducible', packages: [{ name: 'fx-vjob', status: 'identical', pin: 'unpinned' }] } });
    expect((outcome.summary as { report?: string }).report).toContain('1 package was verified under 13 variations');
  });

  it('refuses a lock outside the roots before building anything', async () => {
    const dir = await tempDir('verify-job-roots');
    const root = await realpath(dir);
    await writeFile(join(root, 'lock.yaml'), fixtureLock(rootfs, []));

    const err = await verifyJobRunner(context(root, join(root, 'lock.yaml'), [join(root, 'elsewhere')])).catch((e: unknown) => e);

    expect(isHbuildError(err, 'ERR_USAGE')).toBe(true);
  });
});
