import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistory, runBaseName, toHistoryRecord, writeHistory } from '../../src/verify/history.js';
import type { VerifyResult } from '../../src/verify/types.js';
import { makeSentinels } from '../../src/verify/variations.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('verify-history');

function result(startedAt: string, status: 'identical' | 'differed'): VerifyResult {
  return {
    format: 'hbuild-verify/1',
    startedAt,
    finishedAt: startedAt,
    seconds: 1,
    hbuildVersion: '0.1.0',
    lock: { path: '/lock.yaml', sha256: '0123456789abcdef'.repeat(4) },
    builder: { image: 'default', rootfs: `sha256:${'a'.repeat(64)}`, imageId: 'sha256:1' },
    sourceDateEpoch: 1,
    variations: ['umask'],
    sentinels: makeSentinels(),
    outcome: status === 'identical' ? 'reproducible' : 'not-reproducible',
    summary: { total: 1, identical: 1, differed: 0, failed: 0, inconclusive: 0, notReproducible: 0, pinMismatch: 0, unpinned: 0 },
    packages: [
      {
        name: 'fx',
        version: '1.0',
        key: 'fx',
        sdist: { file: 'fx-1.0.tar.gz', sha256: 'd'.repeat(64) },
        status,
        reproducible: status === 'identical',
        pin: 'match',
        culprits: status === 'identical' ? [] : ['umask'],
        reason: '',
        builds: [{ label: 'control', variations: [], wheel: { file: 'fx-1.0-py3-none-any.whl', sha256: 'e'.repeat(64), size: 1 }, seconds: 1 }],
        leaks: [],
      },
    ],
    reportDir: '/r',
    historyPath: '',
  };
}

describe('verification history in the store', () => {
  it('records each run as <store>/verify/<time>-<lock digest>.json and reads them back oldest first', async () => {
    const later = await writeHistory(tmp.path, result('2026-11-21T03:00:00.000Z', 'differed'));
    const earlier = await writeHistory(tmp.path, result('2026-11-20T03:00:00.000Z', 'identical'));

    const history = await readHistory(tmp.path);

    expect(earlier).toBe(join(tmp.path, 'verify', '2026-11-20T03-00-00-000Z-0123456789abcdef.json'));
    expect(later.endsWith(`${runBaseName('2026-11-21T03:00:00.000Z', '0123456789abcdef'.repeat(4))}.json`)).toBe(true);
    expect(history.map((h) => [h.startedAt, h.packages[0]?.status, h.packages[0]?.wheelSha256])).toEqual([
      ['2026-11-20T03:00:00.000Z', 'identical', 'e'.repeat(64)],
      ['2026-11-21T03:00:00.000Z', 'differed', 'e'.repeat(64)],
    ]);
  });

  it('skips records that are malformed, foreign or half-written instead of trusting them', async () => {
    await writeHistory(tmp.path, result('2026-11-20T03:00:00.000Z', 'identical'));
    const bad = { ...toHistoryRecord(result('2026-11-21T03:00:00.000Z', 'differed')), extra: 'field' };
    await writeFile(join(tmp.path, 'verify', '2026-11-21T03-00-00-000Z-0123456789abcdef.json'), JSON.stringify(bad));
    await writeFile(join(tmp.path, 'verify', '2026-11-22T03-00-00-000Z-0123456789abcdef.json'), '{"format": "hbuild-ver');
    await writeFile(join(tmp.path, 'verify', 'notes.json'), JSON.stringify(toHistoryRecord(result('2026-11-23T03:00:00.000Z', 'differed'))));
    await mkdir(join(tmp.path, 'verify', '2026-11-24T03-00-00-000Z-0123456789abcdef'));

    const history = await readHistory(tmp.path);

    expect(history.map((h) => h.startedAt)).toEqual(['2026-11-20T03:00:00.000Z']);
    expect(await readdir(join(tmp.path, 'verify'))).toHaveLength(5);
  });

  it('has no history before the first run', async () => {
    const history = await readHistory(join(tmp.path, 'nothing-here'));

    expect(history).toEqual([]);
  });
});
