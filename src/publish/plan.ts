import { normalizeName } from '../core/pep503.js';
import type { IndexFile, ProjectPage } from '../fetch/index-client.js';
import type { LocalWheel } from './read-wheelhouse.js';

/** What to do with one wheel: send it, leave it (the index has these bytes), or refuse (other bytes). */
export type PublishStep =
  | { action: 'upload'; wheel: LocalWheel }
  | { action: 'skip'; wheel: LocalWheel; listed: IndexFile }
  | { action: 'compare'; wheel: LocalWheel; listed: IndexFile }
  | { action: 'conflict'; wheel: LocalWheel; listed: IndexFile; remoteSha256: string };

/**
 * Decide, before anything is sent, what happens to each wheel. A file of the same name is the
 * same file only if its sha256 is the same; a listing without a sha256 is marked `compare`
 * (the caller downloads and hashes it). Names are compared as the index would serve them:
 * exactly, and also ignoring case (some indexes fold file names).
 */
export function planPublish(wheels: readonly LocalWheel[], pages: ReadonlyMap<string, ProjectPage | null>): PublishStep[] {
  return wheels.map((wheel): PublishStep => {
    const page = pages.get(normalizeName(wheel.name));
    const listed = page?.files.find((f) => f.filename === wheel.file) ?? page?.files.find((f) => f.filename.toLowerCase() === wheel.file.toLowerCase());
    if (listed === undefined) return { action: 'upload', wheel };
    if (listed.sha256 === undefined) return { action: 'compare', wheel, listed };
    return listed.sha256 === wheel.sha256 ? { action: 'skip', wheel, listed } : { action: 'conflict', wheel, listed, remoteSha256: listed.sha256 };
  });
}
