import { lstat } from 'node:fs/promises';
import { basename } from 'node:path';
import { normalizeName } from '../core/pep503.js';
import { sha256File } from '../core/digest.js';
import { distInfoIdentity, findDistInfo, parseMetadata, parseWheelFile, readDistInfoText } from './dist-info.js';
import { assertIdentity, canonicalVersion, type Identity } from './identity.js';
import { parseRecord, verifyRecord } from './wheel-record.js';
import { parseWheelName } from './wheel-name.js';
import { checkPlatformTags } from './wheel-platform.js';
import { DEFAULT_WHEEL_LIMITS, listMembers, type WheelLimits } from './zip-entry.js';
import { closeZip, openZip, wheelInvalid } from './zip.js';

/** What a wheel that passed every check is. */
export interface WheelCheck {
  file: string;
  /** Hex sha256 of the wheel file. */
  sha256: string;
  size: number;
  /** PEP 503 normalised project name. */
  name: string;
  /** PEP 440 normalised version. */
  version: string;
  /** `pyver-abi-plat` from the file name. */
  tags: string;
  /** Zip entries, directories included. */
  entries: number;
  purelib: boolean;
}

export interface CheckWheelOptions {
  limits?: Partial<WheelLimits>;
  /**
   * The build's repair: its platform is the only portable tag accepted. null: the build was not
   * repaired, so no manylinux or musllinux tag is. Undefined: tags are not judged.
   */
  repair?: { platform: string } | null;
}

/**
 * Judge a built wheel before it is stored. Refuses (ERR_WHEEL_INVALID, naming
 * the entry) unsafe or malformed archives and any file whose content does not
 * match RECORD; refuses (ERR_WHEEL_MISMATCH) a wheel whose file name,
 * dist-info directory or METADATA claims another project or version than
 * `expect`, and (ERR_WHEEL_INVALID) a portable platform tag hbuild's repair did not give it.
 */
export async function checkWheel(
  path: string,
  expect: Identity,
  opts: CheckWheelOptions = {},
): Promise<WheelCheck> {
  const limits: WheelLimits = { ...DEFAULT_WHEEL_LIMITS, ...opts.limits };
  const file = basename(path);
  const parsed = parseWheelName(file);
  assertIdentity(file, 'file name', expect, { name: parsed.distribution, version: parsed.version });
  checkPlatformTags(file, parsed.tags, opts.repair);
  const stats = await lstat(path);
  if (!stats.isFile()) throw wheelInvalid(file, 'is not a regular file', 'not-a-file');
  const sha256 = await sha256File(path);

  const zip = await openZip(path, file);
  try {
    const members = await listMembers(zip, file, limits);
    const distInfo = findDistInfo(members, file);
    assertIdentity(file, 'dist-info directory', expect, distInfoIdentity(distInfo, file));

    const byName = new Map(members.map((member) => [member.name, member]));
    const metadataPath = `${distInfo}/METADATA`;
    const metadata = parseMetadata(await readDistInfoText(zip, file, byName, metadataPath, limits), file, metadataPath);
    assertIdentity(file, 'METADATA', expect, metadata);
    const wheelPath = `${distInfo}/WHEEL`;
    const purelib = parseWheelFile(await readDistInfoText(zip, file, byName, wheelPath, limits), file, wheelPath);

    const recordPath = `${distInfo}/RECORD`;
    const record = parseRecord(await readDistInfoText(zip, file, byName, recordPath, limits), file, recordPath);
    await verifyRecord(zip, file, members, record, recordPath);

    return {
      file,
      sha256,
      size: stats.size,
      name: normalizeName(metadata.name),
      version: canonicalVersion(metadata.version) ?? metadata.version,
      tags: parsed.tags,
      entries: members.length,
      purelib,
    };
  } finally {
    closeZip(zip);
  }
}
