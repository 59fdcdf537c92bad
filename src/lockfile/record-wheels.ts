import { writeFileAtomic } from '../core/fs-atomic.js';
import { entriesByName, matchBuildRequire } from './package-ids.js';
import { readLockFile } from './read-file.js';
import { parseLock } from './read.js';
import { recordWheelsInText, type RecordedImage } from './record-edit.js';
import type { WheelPin } from './schema.js';

/**
 * Write first-seen wheel pins (and derived builder-image pins) into the lock (`--record`): for each entry (by `name==version`, or a name the lock holds once),
 * add or replace that package's `wheel:` mapping, leaving the rest of the file as it
 * was. Refuses to touch an invalid lock, and checks the result reads back with exactly
 * these pins before replacing the file atomically.
 */
export async function recordWheels(lockPath: string, wheels: ReadonlyMap<string, WheelPin>, images: ReadonlyMap<string, RecordedImage> = new Map()): Promise<void> {
  const { text, mode } = await readLockFile(lockPath);
  const loaded = parseLock(text, lockPath);
  const edited = recordWheelsInText(text, loaded, wheels, images);
  if (edited === text) return;

  const reread = parseLock(edited, lockPath);
  const byName = entriesByName(reread.lock.packages);
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
