import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { renderHtml } from './report-html.js';
import type { VerifyResult } from './types.js';

export interface ReportPaths {
  json: string;
  html: string;
  packagesDir: string;
}

/** `verify.json` (the whole result), `packages/<name>-<version>.json` (one per package) and `index.html`. */
export async function writeReports(result: VerifyResult): Promise<ReportPaths> {
  const paths: ReportPaths = {
    json: join(result.reportDir, 'verify.json'),
    html: join(result.reportDir, 'index.html'),
    packagesDir: join(result.reportDir, 'packages'),
  };
  for (const p of result.packages) {
    const file = `${p.key}-${p.version}`.replace(/[^A-Za-z0-9._-]/g, '_');
    const record = { format: result.format, startedAt: result.startedAt, lock: result.lock, variations: result.variations, package: p };
    await writeFileAtomic(join(paths.packagesDir, `${file}.json`), `${JSON.stringify(record, null, 2)}\n`);
  }
  await writeFileAtomic(paths.json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFileAtomic(paths.html, renderHtml(result));
  return paths;
}
