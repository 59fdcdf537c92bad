import { HbuildError } from '../core/errors.js';
import { findProjectFiles, type Credentials, type IndexFile } from './index-client.js';
import { redactUrl, validateIndexUrl } from './index-url.js';

/** One configured index: `url` may carry credentials; `shown` never does and is what the lock records. */
/** An index that has not answered one page in this long is treated as down. */
const PAGE_TIMEOUT_MS = 120_000;

export interface IndexConfig {
  url: string;
  shown: string;
}

export interface ProjectListing {
  index: IndexConfig;
  files: IndexFile[];
}

export interface IndexView {
  readonly indexes: readonly IndexConfig[];
  /** The files of a project from the one index that may serve it (see listing rules). */
  listing(key: string, pinnedIndex?: string): Promise<ProjectListing>;
  credentialsFor?: (url: URL) => Credentials | undefined;
}

export function indexConfig(raw: string): IndexConfig {
  const url = validateIndexUrl(raw);
  const shown = new URL(url);
  shown.username = '';
  shown.password = '';
  return { url, shown: shown.href };
}

/**
 * The configured indexes as one view that enforces "one index per package": a name
 * that more than one index serves is refused unless the lock pins it to one of them
 * (the dependency-confusion attack). Listings are cached per name for the run.
 */
export function createIndexView(indexes: readonly IndexConfig[], signal: AbortSignal, credentialsFor?: (url: URL) => Credentials | undefined): IndexView {
  const cache = new Map<string, Promise<IndexFile[] | null>>();
  const files = (index: IndexConfig, key: string): Promise<IndexFile[] | null> => {
    const id = `${index.url}\n${key}`;
    let found = cache.get(id);
    if (!found) {
      found = findProjectFiles(index.url, key, AbortSignal.any([signal, AbortSignal.timeout(PAGE_TIMEOUT_MS)]), { credentialsFor });
      cache.set(id, found);
    }
    return found;
  };
  return {
    indexes,
    credentialsFor,
    async listing(key, pinnedIndex) {
      if (pinnedIndex !== undefined) {
        const index = indexes.find((i) => i.shown === pinnedIndex);
        if (!index) {
          throw new HbuildError('ERR_USAGE', `${key} is pinned to the index ${pinnedIndex}, which is not configured`, {
            hint: `configure it (--index-url / --extra-index-url), or change the pin; configured: ${indexes.map((i) => i.shown).join(', ')}`,
          });
        }
        const listed = await files(index, key);
        if (listed === null) throw new HbuildError('ERR_USAGE', `the index ${index.shown} pinned for ${key} does not serve it`, { hint: 'check the name and the index pin' });
        return { index, files: listed };
      }
      const served: ProjectListing[] = [];
      for (const index of indexes) {
        const listed = await files(index, key);
        if (listed !== null) served.push({ index, files: listed });
      }
      if (served.length === 0) {
        throw new HbuildError('ERR_USAGE', `no configured index serves ${key}`, {
          hint: `check the name; looked in ${indexes.map((i) => redactUrl(i.shown)).join(', ')}`,
        });
      }
      if (served.length > 1) {
        throw new HbuildError('ERR_VET_BLOCKED', `${key} is served by more than one index: ${served.map((s) => s.index.shown).join(', ')}`, {
          hint: `a name on two indexes is how dependency confusion works; pin it to the one you trust: hbuild lock --pin-index ${key}=URL (recorded as index: in the lock)`,
          details: { package: key, indexes: served.map((s) => s.index.shown) },
        });
      }
      return served[0]!;
    },
  };
}
