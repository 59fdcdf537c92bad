import { basename } from 'node:path';
import { isHbuildError, type HbuildError } from '../core/errors.js';
import { fetchSdist } from '../fetch/fetch-sdist.js';
import { resolveIndexUrl } from '../fetch/index-url.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import { normalizeName } from '../core/pep503.js';
import { planBuild } from '../lockfile/plan.js';
import { readLock } from '../lockfile/read.js';
import { openStore } from '../store/store.js';
import type { VetException } from './schema.js';
import type { VetResult } from './types.js';
import { vetSdist } from './vet-sdist.js';

/** One package of a lock after vetting: a result, or the error that stopped it (fetch, integrity, unsafe archive). */
export interface VettedPackage {
  name: string;
  version: string;
  file: string;
  sha256: string;
  result?: VetResult;
  error?: HbuildError;
}

export interface VetLockOptions {
  lockPath: string;
  only?: string[];
  storeRoot: string;
  sdistDirs: string[];
  indexUrl?: string;
  minAgeDays?: number;
  now?: Date;
  /** Recipe exceptions for a package; none when omitted. */
  exceptionsFor?: (pkg: PlannedPackage) => readonly VetException[] | Promise<readonly VetException[]>;
  onPackage?: (vetted: VettedPackage) => void;
  signal: AbortSignal;
}

/**
 * Fetch (into the store, by pin) and vet every sdist a lock pins, one after
 * another. Expected failures are kept per package so one bad sdist does not
 * hide the verdicts of the rest.
 */
export async function vetLock(options: VetLockOptions): Promise<VettedPackage[]> {
  const loaded = await readLock(options.lockPath);
  const plan = planBuild(loaded, options.only);
  const exemptions = new Map(loaded.lock.packages.map((p) => [normalizeName(p.name), p['quarantine-exemption']]));
  const store = await openStore(options.storeRoot);
  let indexUrl: Promise<string> | undefined;
  const lazyIndexUrl = (): Promise<string> => (indexUrl ??= resolveIndexUrl(options.indexUrl));
  const vetted: VettedPackage[] = [];
  for (const pkg of plan.packages) {
    options.signal.throwIfAborted();
    const entry: VettedPackage = { name: pkg.name, version: pkg.version, file: basename(pkg.sdist.file), sha256: pkg.sdist.sha256 };
    try {
      const pin = { name: pkg.name, version: pkg.version, file: pkg.sdist.file, sha256: pkg.sdist.sha256, size: pkg.sdist.size, path: pkg.sdist.path };
      const fetched = await fetchSdist(pin, { store, indexUrl: lazyIndexUrl, sdistDirs: options.sdistDirs, signal: options.signal });
      const exceptions = (await options.exceptionsFor?.(pkg)) ?? [];
      entry.result = await vetSdist(
        fetched.path,
        { name: pkg.name, version: pkg.version, sha256: fetched.sha256, uploadTime: pkg.sdist['upload-time'], quarantineExemption: exemptions.get(pkg.key) },
        { exceptions, minAgeDays: options.minAgeDays, now: options.now, signal: options.signal },
      );
    } catch (err) {
      if (!isHbuildError(err) || err.code === 'ERR_USAGE' || err.code === 'ERR_CANCELLED') throw err;
      entry.error = err;
    }
    vetted.push(entry);
    options.onPackage?.(entry);
  }
  return vetted;
}
