import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SHA256_HEX, sha256File } from '../core/digest.js';
import type { BlobKind } from './store.js';

export interface StoreVerifyReport {
  checked: number;
  corrupt: Array<{ kind: BlobKind; expected: string; actual: string; path: string; removed: boolean }>;
  stray: string[];
}

export const BLOB_KINDS: BlobKind[] = ['sources', 'wheels', 'logs', 'envs'];

/** Every blob path of a kind, with the digest its name claims. */
export async function listBlobs(root: string, kind: BlobKind): Promise<Array<{ sha256: string; path: string }>> {
  const base = join(root, kind, 'sha256');
  const out: Array<{ sha256: string; path: string }> = [];
  let shards: string[];
  try {
    shards = await readdir(base);
  } catch {
    return out;
  }
  for (const shard of shards.sort()) {
    for (const name of (await readdir(join(base, shard))).sort()) out.push({ sha256: name, path: join(base, shard, name) });
  }
  return out;
}

/** Re-hash every blob in the store; with `repair`, corrupt blobs are removed so the next run re-fetches or rebuilds them. */
export async function verifyStore(root: string, options: { repair: boolean }): Promise<StoreVerifyReport> {
  const report: StoreVerifyReport = { checked: 0, corrupt: [], stray: [] };
  for (const kind of BLOB_KINDS) {
    for (const blob of await listBlobs(root, kind)) {
      if (!SHA256_HEX.test(blob.sha256) || !blob.path.includes(`/${blob.sha256.slice(0, 2)}/`)) {
        report.stray.push(blob.path);
        continue;
      }
      report.checked++;
      const actual = await sha256File(blob.path);
      if (actual === blob.sha256) continue;
      if (options.repair) await rm(blob.path, { force: true });
      report.corrupt.push({ kind, expected: blob.sha256, actual, path: blob.path, removed: options.repair });
    }
  }
  return report;
}
