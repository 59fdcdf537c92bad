import { writeFileAtomic } from '../core/fs-atomic.js';
import { entriesByName, matchBuildRequire } from './package-ids.js';
import { readLockFile } from './read-file.js';
import { parseLock } from './read.js';
import { recordWheelsInText, type RecordedImage } from './record-edit.js';
import { recordTargetPinsInText } from './record-targets.js';
import type { WheelPin } from './schema.js';
import { isMultiTarget, targetLock } from './targets.js';

/**
 * Write first-seen wheel pins (and derived builder-image pins) into the lock (`--record`): for each entry
 * (by `name==version`, or a name the lock holds once), add or replace that package's `wheel:` mapping
 * (in a lock with targets, its `wheels:` entry for `target`, the entry named as that target's view keys it),
 * leaving the rest of the file as it was. Refuses to touch an invalid lock, and checks the result reads back
 * with exactly these pins before replacing the file atomically.
 */
export async function recordWheels(lockPath: string, wheels: ReadonlyMap<string, WheelPin>, images: ReadonlyMap<string, RecordedImage> = new Map(), target?: string): Promise<void> {
  const { text, mode } = await readLockFile(lockPath);
  const loaded = parseLock(text, lockPath);
  const multi = isMultiTarget(loaded.lock);
  if (multi && target === undefined) throw new Error('recordWheels: a lock with targets records per target');
  const edited = multi ? recordTargetPinsInText(text, loaded, target!, wheels, images) : recordWheelsInText(text, loaded, wheels, images);
  if (edited === text) return;

  const reread = parseLock(edited, lockPath);
  const view = multi ? targetLock(reread.lock, target!) : reread.lock;
  const byName = entriesByName(view.packages);
  const entryOf = (name: string) => {
    const match = matchBuildRequire(name, byName);
    return 'entry' in match ? match.entry : undefined;
  };
  for (const [name, pin] of wheels) {
    const entry = entryOf(name);
    if (entry?.wheel?.file !== pin.file || entry.wheel.sha256 !== pin.sha256) {
      throw new Error(`recordWheels: ${name} did not read back with the recorded wheel`);
    }
  }
  for (const [name, image] of images) {
    const entry = entryOf(name);
    if (entry?.['builder-image']?.rootfs !== image.rootfs) throw new Error(`recordWheels: ${name} did not read back with a builder image`);
  }
  await writeFileAtomic(loaded.path, edited, mode);
}
