import type { ZipFile } from 'yauzl';
import type { HbuildError } from '../core/errors.js';
import { quote } from './display.js';
import { parseHeaders, singleField } from './headers.js';
import type { Identity } from './identity.js';
import type { WheelLimits, ZipMember } from './zip-entry.js';
import { entryInvalid, readEntryBytes, wheelInvalid } from './zip.js';

const SUFFIX = '.dist-info';

/** The one top-level `*.dist-info` directory; none, several, or a file of that name is refused. */
export function findDistInfo(members: ZipMember[], file: string): string {
  const found = new Set<string>();
  for (const member of members) {
    const slash = member.name.indexOf('/');
    const top = slash === -1 ? member.name : member.name.slice(0, slash);
    if (!top.toLowerCase().endsWith(SUFFIX)) continue;
    if (slash === -1) throw entryInvalid(file, member.name, 'a .dist-info name that is not a directory', 'dist-info');
    found.add(top);
  }
  const [distInfo, ...others] = [...found];
  if (distInfo === undefined) throw wheelInvalid(file, 'has no .dist-info directory', 'dist-info');
  if (others.length > 0) throw wheelInvalid(file, `has ${found.size} .dist-info directories`, 'dist-info');
  return distInfo;
}

/** The name and version a `{name}-{version}.dist-info` directory claims. */
export function distInfoIdentity(distInfo: string, file: string): Identity {
  const stem = distInfo.endsWith(SUFFIX) ? distInfo.slice(0, -SUFFIX.length) : '';
  const dash = stem.lastIndexOf('-');
  if (dash <= 0 || dash === stem.length - 1) {
    throw entryInvalid(file, `${distInfo}/`, 'not named {name}-{version}.dist-info', 'dist-info');
  }
  return { name: stem.slice(0, dash), version: stem.slice(dash + 1) };
}

/** Read a dist-info file that must exist, bounded by `maxMetadataBytes`, as strict UTF-8. */
export async function readDistInfoText(
  zip: ZipFile,
  file: string,
  members: Map<string, ZipMember>,
  name: string,
  limits: WheelLimits,
): Promise<string> {
  const member = members.get(name);
  if (member === undefined || member.directory) throw wheelInvalid(file, `has no ${name}`, 'dist-info');
  if (member.size > limits.maxMetadataBytes) {
    throw entryInvalid(file, name, `larger than ${limits.maxMetadataBytes} bytes`, 'metadata-too-large');
  }
  const bytes = await readEntryBytes(zip, file, member.entry, name);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw entryInvalid(file, name, 'not valid UTF-8', 'encoding');
  }
}

/** The Name and Version METADATA claims; repeated or missing fields are refused. */
export function parseMetadata(text: string, file: string, name: string): Identity {
  const refuse = (why: string): HbuildError => entryInvalid(file, name, why, 'metadata');
  const fields = parseHeaders(text, refuse);
  singleField(fields, 'Metadata-Version', refuse);
  return { name: singleField(fields, 'Name', refuse), version: singleField(fields, 'Version', refuse) };
}

/** Check the WHEEL file's format version and return Root-Is-Purelib. */
export function parseWheelFile(text: string, file: string, name: string): boolean {
  const refuse = (why: string): HbuildError => entryInvalid(file, name, why, 'wheel-file');
  const fields = parseHeaders(text, refuse);
  const version = singleField(fields, 'Wheel-Version', refuse);
  if (!/^1\.\d+$/.test(version)) throw refuse(`unsupported Wheel-Version ${quote(version)}`);
  const purelib = singleField(fields, 'Root-Is-Purelib', refuse).toLowerCase();
  if (purelib !== 'true' && purelib !== 'false') throw refuse('Root-Is-Purelib is neither true nor false');
  return purelib === 'true';
}
