import { realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { defaultJobKinds } from '../../src/daemon/job-kinds.js';
import { runJob, type JobContext } from '../../src/daemon/job-runner.js';
import type { Job } from '../../src/daemon/schema.js';
import { createEngine } from '../../src/engine/index.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { useTempDir } from '../helpers/tmp.js';

const ROOTFS = `sha256:${'d'.repeat(64)}`;

function vetJob(dir: string, lockPath: string): JobContext {
  const job: Job = {
    id: '000000000123456789abd',
    kind: 'vet',
    lockPath,
    source: 'path',
    options: {},
    outDir: join(dir, 'unused'),
    state: 'running',
    attempts: 1,
    submittedAt: new Date().toISOString(),
  };
  // An engine nobody answers at: vetting runs no container, and the leftover sweep must not fail it.
  const engine = createEngine({ host: `unix://${join(dir, 'no-engine.sock')}` });
  return { job, roots: [dir], storeRoot: join(dir, 'store'), engine, log: pino({ level: 'silent' }), emit: () => undefined, signal: new AbortController().signal };
}

describe("the daemon's vet jobs", () => {
  const tmp = useTempDir('vet-job');

  it('run hbuild vet and report what it prints and exits with', async () => {
    const dir = await realpath(tmp.path);
    const clean = await writeFixtureSdist(dir, { name: 'fx-vet-ok', version: '1.0' });
    const files = { 'fx_vet_bad/__init__.py': 'x = 1\n', 'fx_vet_bad-init.pth': 'import os; os.system("echo pwned")\n' };
    const blocked = await writeFixtureSdist(dir, { name: 'fx-vet-bad', version: '1.0', files });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(ROOTFS, [clean, blocked]));

    const outcome = await runJob(defaultJobKinds(), vetJob(dir, join(dir, 'lock.yaml')));

    expect(outcome.exitCode).toBe(4);
    expect(outcome.summary).toMatchObject({ kind: 'vet', data: { packages: [{ name: 'fx-vet-bad', verdict: 'block' }, { name: 'fx-vet-ok', verdict: 'pass' }] } });
    expect((outcome.summary as { report: string }).report).toContain('fx-vet-bad');
  });
});
