import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { HbuildError, isHbuildError } from '../core/errors.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { BuildSetup } from '../pipeline/build-step.js';
import type { ActionRecord, PackageRecord } from '../wheelhouse/package-record.js';

/** A previous identical build, if its wheel is still intact in the store. */
export async function reuse(setup: BuildSetup, digest: string, name: string): Promise<ActionRecord | null> {
  const action = await setup.store.readAction<ActionRecord>(digest);
  if (!action || action.inputDigest !== digest) return null;
  try {
    const path = await setup.store.verifiedBlob('wheels', action.wheel.sha256, action.wheel.file);
    return path ? action : null;
  } catch (err) {
    if (!isHbuildError(err, 'ERR_STORE_CORRUPT')) throw err;
    setup.log.warn({ pkg: name, sha256: action.wheel.sha256 }, 'cached wheel corrupt; rebuilding');
    setup.emit({ type: 'log', level: 'warn', message: `${name}: cached wheel was corrupt and is rebuilt`, details: err.details });
    return null;
  }
}

export function judge(pkg: PlannedPackage, wheel: { file: string; sha256: string }, record: boolean): PackageRecord['verdict'] {
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

export async function remember(setup: BuildSetup, record: ActionRecord, wheelPath: string): Promise<void> {
  await setup.store.putFile('wheels', wheelPath, { expected: record.wheel.sha256, what: record.wheel.file });
  await setup.store.writeAction(record.inputDigest, record);
}

export async function keepRejected(setup: BuildSetup, pkg: PlannedPackage, wheelPath: string, file: string, logPath: string): Promise<void> {
  const dir = await setup.store.rejectedDir(`${pkg.key}-${pkg.version}`);
  await rename(wheelPath, join(dir, file)).catch(() => undefined);
  await rename(logPath, join(dir, 'build.log')).catch(() => undefined);
  setup.log.warn({ pkg: pkg.name, dir }, 'build output rejected and kept for diffing');
}
