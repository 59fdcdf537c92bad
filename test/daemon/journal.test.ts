import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compactJournal, foldJournal, openJournal, pruneFinished, readJournal, requeueInterrupted } from '../../src/daemon/journal.js';
import type { Job, JournalEntry } from '../../src/daemon/schema.js';
import { tempDir } from '../helpers/tmp.js';

function job(id: string, overrides: Partial<Job> = {}): Job {
  return {
    id,
    kind: 'build',
    lockPath: '/r/lock.yaml',
    source: 'path',
    options: {},
    outDir: `/s/jobs/${id}/wheelhouse`,
    state: 'queued',
    attempts: 0,
    submittedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const A = '000000001aaaaaaaaaaaa';
const B = '000000002bbbbbbbbbbbb';
const C = '000000003cccccccccccc';

describe('the daemon journal', () => {
  it('replays submissions and transitions into job records', () => {
    const entries: JournalEntry[] = [
      { op: 'daemon', pid: 41, host: 'h', at: 't0' },
      { op: 'job', job: job(A) },
      { op: 'job', job: job(B) },
      { op: 'start', id: A, at: 't1', pid: 41 },
      { op: 'finish', id: A, at: 't2', state: 'failed', exitCode: 3, error: { code: 'ERR_HASH_MISMATCH', message: 'differs' } },
      { op: 'start', id: B, at: 't3', pid: 41 },
      { op: 'start', id: '000000009zzzzzzzzzzzz', at: 't4', pid: 41 },
    ];

    const { jobs, previousDaemon } = foldJournal(entries);

    expect(previousDaemon).toEqual({ pid: 41, host: 'h' });
    expect(jobs.get(A)).toMatchObject({ state: 'failed', exitCode: 3, attempts: 1, startedAt: 't1', finishedAt: 't2', error: { code: 'ERR_HASH_MISMATCH' } });
    expect(jobs.get(B)).toMatchObject({ state: 'running', attempts: 1 });
    expect(jobs.size).toBe(2);
  });

  it('queues again the jobs a crash interrupted, and only those', () => {
    const jobs = new Map([
      [A, job(A, { state: 'running', attempts: 1 })],
      [B, job(B)],
      [C, job(C, { state: 'succeeded', finishedAt: 't', exitCode: 0 })],
    ]);

    const requeued = requeueInterrupted(jobs);

    expect(requeued).toEqual([A]);
    expect([...jobs.values()].map((j) => j.state)).toEqual(['queued', 'queued', 'succeeded']);
    expect(jobs.get(A)?.attempts).toBe(1);
  });

  it('forgets the oldest finished jobs beyond the limit, never unfinished ones', () => {
    const jobs = new Map([
      [A, job(A, { state: 'succeeded', finishedAt: 't' })],
      [B, job(B, { state: 'failed', finishedAt: 't' })],
      [C, job(C)],
    ]);

    const dropped = pruneFinished(jobs, 1);

    expect(dropped).toEqual([A]);
    expect([...jobs.keys()]).toEqual([B, C]);
  });

  it('skips a line torn by a crash and compacts to one snapshot per job', async () => {
    const dir = await tempDir('journal');
    const path = join(dir, 'journal.ndjson');
    const journal = await openJournal(path);
    await journal.append({ op: 'job', job: job(A) });
    await journal.append({ op: 'start', id: A, at: 't1', pid: 7 });
    await journal.close();
    await appendFile(path, '{"op":"finish","id":"0000');

    const state = await readJournal(path);
    requeueInterrupted(state.jobs);
    await compactJournal(path, state.jobs.values());
    const compacted = (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));

    expect(state.skipped).toBe(1);
    expect(compacted).toEqual([{ op: 'job', job: { ...job(A), state: 'queued', attempts: 1, startedAt: 't1' } }]);
  });

  it('refuses to journal an entry that does not fit the schema', async () => {
    const dir = await tempDir('journal');
    const journal = await openJournal(join(dir, 'journal.ndjson'));

    const bad = journal.append({ op: 'start', id: '../../etc', at: 't', pid: 1 });

    await expect(bad).rejects.toThrow(/job id/);
    await journal.close();
  });
});
