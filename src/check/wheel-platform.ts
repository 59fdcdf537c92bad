import { HbuildError } from '../core/errors.js';
import { quote } from './display.js';

/** PEP 600's legacy names for the first three manylinux glibc levels; auditwheel tags a wheel with both. */
const LEGACY_ALIASES: Record<string, string> = {
  manylinux_2_5_x86_64: 'manylinux1_x86_64',
  manylinux_2_12_x86_64: 'manylinux2010_x86_64',
  manylinux_2_17_x86_64: 'manylinux2014_x86_64',
};

const PORTABLE = /^(manylinux|musllinux)/;

/**
 * Judge a built wheel's platform tags. A portable tag (manylinux, musllinux) is a promise that
 * the wheel runs beyond the builder image; hbuild accepts it only from its own repair, and
 * then exactly the platform the recipe asked for (and its legacy alias). Without a repair the
 * wheel must not claim one. `repair` undefined: the tags are not judged (a wheel read back).
 */
export function checkPlatformTags(file: string, tags: string, repair: { platform: string } | null | undefined): void {
  if (repair === undefined) return;
  const platforms = (tags.split('-')[2] ?? '').split('.');
  if (repair === null) {
    const portable = platforms.find((p) => PORTABLE.test(p));
    if (portable === undefined) return;
    throw new HbuildError('ERR_WHEEL_INVALID', `wheel ${quote(file)} refused: it is tagged ${portable}, but hbuild did not repair it, so nothing checked that it runs beyond the builder image`, {
      hint: 'add `repair: {platform: …}` to its recipe to have auditwheel vendor its libraries, or build it without the portable tag',
      details: { file, rule: 'platform-tag', platform: portable },
    });
  }
  const allowed = new Set([repair.platform, ...(LEGACY_ALIASES[repair.platform] ? [LEGACY_ALIASES[repair.platform]!] : [])]);
  if (platforms.includes(repair.platform) && platforms.every((p) => allowed.has(p))) return;
  throw new HbuildError('ERR_WHEEL_INVALID', `wheel ${quote(file)} refused: its recipe repairs it for ${repair.platform}, but it is tagged ${platforms.join('.')}`, {
    hint: 'the repair step did not tag the wheel as asked; read the build log',
    details: { file, rule: 'platform-tag', platform: repair.platform },
  });
}
