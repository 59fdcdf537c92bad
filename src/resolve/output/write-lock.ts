import { HbuildError } from '../../core/errors.js';
import { normalizeName } from '../../core/pep503.js';
import { formatInputEntry, requestedPackages, type RequestedPackage } from '../../lockfile/inputs.js';
import { parseLock } from '../../lockfile/read.js';
import { allBuildRequires } from '../../lockfile/targets.js';
import { writeFileAtomic } from '../../core/fs-atomic.js';
import type { LockedPackage } from '../types.js';

/**
 * Check that lock text reads back, through the same reader `hbuild build` uses, as exactly
 * these packages; a generator bug must never leave a lock that says something else.
 */
export function assertReadsBack(text: string, lockPath: string, packages: readonly LockedPackage[], inputs?: readonly RequestedPackage[]): void {
  const loaded = parseLock(text, lockPath);
  const got = loaded.lock.packages.map((p) => `${normalizeName(p.name)} ${p.version} ${p.sdist.sha256} [${allBuildRequires(p).join(',')}]`).sort();
  const want = packages.map((p) => `${p.name} ${p.version} ${p.sdist.sha256} [${p.buildRequires.join(',')}]`).sort();
  if (inputs !== undefined) {
    got.push(`inputs: ${(requestedPackages(loaded.lock) ?? []).map(formatInputEntry).sort().join(' ')}`);
    want.push(`inputs: ${inputs.map(formatInputEntry).sort().join(' ')}`);
  }
  if (got.join('\n') !== want.join('\n')) {
    throw new HbuildError('ERR_INTERNAL', 'the lock text hbuild generated does not read back as the resolved packages; nothing was written', {
      details: { got, want },
    });
  }
}

export async function writeLockText(lockPath: string, text: string, mode?: number): Promise<void> {
  await writeFileAtomic(lockPath, text, mode);
}
