import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { HistoryRecord } from './schema.js';
import type { VerifyResult } from './types.js';

const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/** Only the most recent runs are read; older ones stay on disk. */
const MAX_RECORDS_READ = 400;
const RECORD_NAME = /^\d{4}-\d{2}-\d{2}T[\d-]+Z-[0-9a-f]{16}\.json$/;

export function historyDir(storeRoot: string): string {
  return join(storeRoot, 'verify');
}

/** `<store>/verify/<time>-<first 16 hex of the lock's sha256>`, without extension: the record adds `.json`, the report dir nothing. */
export function runBaseName(startedAt: string, lockSha256: string): string {
  return `${startedAt.replace(/[:.]/g, '-')}-${lockSha256.slice(0, 16)}`;
}

export function toHistoryRecord(result: VerifyResult): HistoryRecord {
  return {
    format: 'hbuild-verify-history/1',
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    lock: result.lock,
    variations: result.variations,
    outcome: result.outcome,
    reportDir: result.reportDir,
    packages: result.packages.map((p) => ({
      ...(p.target ? { target: p.target } : {}),
      name: p.name,
      version: p.version,
      sdistSha256: p.sdist.sha256,
      status: p.status,
      reproducible: p.reproducible,
      pin: p.pin,
      ...(p.builds[0]?.wheel ? { wheelSha256: p.builds[0].wheel.sha256 } : {}),
      culprits: p.culprits,
    })),
  };
}

export async function writeHistory(storeRoot: string, result: VerifyResult): Promise<string> {
  const path = join(historyDir(storeRoot), `${runBaseName(result.startedAt, result.lock.sha256)}.json`);
  await writeFileAtomic(path, `${JSON.stringify(toHistoryRecord(result), null, 2)}\n`);
  return path;
}

/** Earlier runs, oldest first. A record that is unreadable, oversized or malformed is skipped, never trusted in part. */
export async function readHistory(storeRoot: string): Promise<HistoryRecord[]> {
  let names: string[];
  try {
    names = await readdir(historyDir(storeRoot));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const recent = names.filter((n) => RECORD_NAME.test(n)).sort().slice(-MAX_RECORDS_READ);
  const records: HistoryRecord[] = [];
  for (const name of recent) {
    const path = join(historyDir(storeRoot), name);
    try {
      if ((await stat(path)).size > MAX_RECORD_BYTES) continue;
      const parsed = HistoryRecord.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (parsed.success) records.push(parsed.data);
    } catch {
      // A half-written or foreign file is not history.
    }
  }
  return records.sort((a, b) => (a.startedAt < b.startedAt ? -1 : a.startedAt > b.startedAt ? 1 : 0));
}
