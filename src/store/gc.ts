import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildAction, readRecord } from './records.js';
import { BLOB_KINDS, listBlobs } from './verify-store.js';

export interface GcOptions {
  /** sha256 digests pinned by the locks the user wants to keep buildable. */
  pinned: Set<string>;
  /** Build records used within this many days are kept, with their wheels and logs. */
  keepDays: number;
  dryRun: boolean;
  now?: Date;
}

export interface GcReport {
  removed: Array<{ kind: string; path: string; bytes: number }>;
  kept: number;
  freedBytes: number;
}

/**
 * Remove what no given lock pins and no recent build record references:
 * old action records first, then every blob nothing points to any more,
 * then leftovers of crashed runs (temp files, old rejected outputs).
 */
export async function collectGarbage(root: string, options: GcOptions): Promise<GcReport> {
  const now = (options.now ?? new Date()).getTime();
  const horizon = now - options.keepDays * 86_400_000;
  const report: GcReport = { removed: [], kept: 0, freedBytes: 0 };
  const referenced = new Set(options.pinned);
  const remove = async (kind: string, path: string): Promise<void> => {
    const info = await stat(path).catch(() => null);
    if (!info) return;
    report.removed.push({ kind, path, bytes: info.size });
    report.freedBytes += info.size;
    if (!options.dryRun) await rm(path, { recursive: true, force: true });
  };

  const actionsDir = join(root, 'actions');
  for (const name of await readdir(actionsDir).catch(() => [] as string[])) {
    const path = join(actionsDir, name);
    const info = await stat(path);
    // Hook answers of `hbuild lock` share the area; they reference no blob.
    const record = (await readRecord(path, BuildAction).catch(() => null)) ?? undefined;
    const wheel = record?.wheel.sha256;
    if (info.mtimeMs >= horizon || (wheel && options.pinned.has(wheel))) {
      if (wheel) referenced.add(wheel);
      if (record) referenced.add(record.log.sha256);
      if (record?.buildEnv) referenced.add(record.buildEnv.sha256);
      report.kept++;
    } else {
      await remove('action', path);
    }
  }
  for (const kind of BLOB_KINDS) {
    for (const blob of await listBlobs(root, kind)) {
      if (referenced.has(blob.sha256)) report.kept++;
      else await remove(kind, blob.path);
    }
  }
  for (const area of ['tmp', 'rejected', 'runs', 'locks', 'inspections', 'memo-locks', 'vet', 'env-keys']) {
    for (const name of await readdir(join(root, area)).catch(() => [] as string[])) {
      const path = join(root, area, name);
      const info = await stat(path).catch(() => null);
      const limit = area === 'tmp' || area === 'locks' ? now - 86_400_000 : horizon;
      if (info && info.mtimeMs < limit) await remove(area, path);
    }
  }
  return report;
}
