import { HbuildError } from '../core/errors.js';
import type { PlannedPackage } from '../lockfile/plan.js';

/** How a wheel's hash was judged: equal to the lock's pin, or recorded now (--record). */
export type PinVerdict = 'pinned-match' | 'recorded';

/**
 * Judge a checked wheel against the lock's pin: equal file name and sha256, or,
 * with `--record` and no pin yet, recorded. Anything else is refused.
 */
export function judgePin(pkg: Pick<PlannedPackage, 'name' | 'version' | 'wheel'>, wheel: { file: string; sha256: string }, record: boolean): PinVerdict {
  if (pkg.wheel) {
    if (pkg.wheel.sha256 === wheel.sha256 && pkg.wheel.file === wheel.file) return 'pinned-match';
    throw new HbuildError(
      'ERR_HASH_MISMATCH',
      `wheel of ${pkg.name} ${pkg.version} differs from its pin: expected ${pkg.wheel.file} sha256 ${pkg.wheel.sha256}, got ${wheel.file} sha256 ${wheel.sha256}; discarded`,
      {
        hint: 'the build is not reproducing the pinned wheel; the discarded wheel is kept under the store\'s rejected/ area for diffing (`hbuild verify` explains differences)',
        details: { expected: pkg.wheel.sha256, actual: wheel.sha256, expectedFile: pkg.wheel.file, actualFile: wheel.file },
      },
    );
  }
  if (record) return 'recorded';
  throw new HbuildError('ERR_WHEEL_UNPINNED', `wheel of ${pkg.name} ${pkg.version} has no pinned sha256 in the lock, so it cannot be verified (built ${wheel.file} sha256 ${wheel.sha256})`, {
    hint: 'review it, then run again with --record to write the first-seen wheel hashes into lock.yaml',
    details: { actual: wheel.sha256, actualFile: wheel.file },
  });
}
