import { HbuildError } from '../core/errors.js';
import type { IndexFile } from '../fetch/index-client.js';
import type { VersionFiles } from './candidates.js';
import type { InputPin } from './input/types.js';

/**
 * Input hashes against what the index serves for that version. The rule:
 * - a recorded sdist hash (pylock.toml, uv.lock) must be the sha256 the index lists for the pinned sdist;
 * - every hash the input gives must be the sha256 of some file the index lists for that name and version
 *   (an sdist or a wheel): a hash matching nothing means the input and the index disagree;
 * - when the input gives hashes at all, the pinned sdist's sha256 must be one of them, as pip's
 *   --require-hashes would demand: an input that vouches only for wheels does not vouch for the source.
 * Returns the refusal, or undefined when the hashes agree.
 */
export function checkInputHashes(pin: InputPin, files: VersionFiles, sdist: IndexFile): HbuildError | undefined {
  const where = `${pin.origin.file}${pin.origin.line > 0 ? `:${pin.origin.line}` : ''}`;
  const what = `${pin.name}==${pin.version} (${where})`;
  const details = { package: pin.name, version: pin.version, file: sdist.filename, index: sdist.sha256 };
  if (pin.sdistSha256 !== undefined && pin.sdistSha256 !== sdist.sha256) {
    return new HbuildError('ERR_HASH_MISMATCH', `${what}: the input records sdist sha256 ${pin.sdistSha256}, but the index lists ${sdist.filename} with ${sdist.sha256}`, {
      hint: 'the input and the index disagree about the same file; find out which changed before locking',
      details: { ...details, expected: pin.sdistSha256, actual: sdist.sha256 },
    });
  }
  const listed = new Set([...files.sdists, ...files.otherSdists, ...files.wheels].map((f) => f.sha256).filter(Boolean));
  const unknown = pin.hashes.filter((h) => !listed.has(h));
  if (unknown.length > 0) {
    return new HbuildError('ERR_HASH_MISMATCH', `${what}: ${unknown.length} of its hashes match no file the index lists for this version: ${unknown.join(', ')}`, {
      hint: 'the input and the index disagree; regenerate the hashes from the index you trust, or find out which side changed',
      details: { ...details, unknown },
    });
  }
  if (pin.hashes.length > 0 && !pin.hashes.includes(sdist.sha256!)) {
    return new HbuildError('ERR_HASH_MISMATCH', `${what}: none of its hashes is the sha256 of the sdist ${sdist.filename} (${sdist.sha256}); the input vouches only for wheels`, {
      hint: 'regenerate the input with hashes of every file, sdists included (e.g. pip-compile --generate-hashes without --only-binary)',
      details,
    });
  }
  return undefined;
}
