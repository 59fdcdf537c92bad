import { findDistInfo, readDistInfoText } from './dist-info.js';
import { parseHeaders } from './headers.js';
import { DEFAULT_WHEEL_LIMITS, listMembers } from './zip-entry.js';
import { closeZip, entryInvalid, openZip } from './zip.js';

/** `Requires-Dist` of a wheel's METADATA, read with the wheel checker's limits. */
export async function readRequiresDist(path: string, file: string): Promise<string[]> {
  const zip = await openZip(path, file);
  try {
    const members = await listMembers(zip, file, DEFAULT_WHEEL_LIMITS);
    const distInfo = findDistInfo(members, file);
    const name = `${distInfo}/METADATA`;
    const text = await readDistInfoText(zip, file, new Map(members.map((m) => [m.name, m])), name, DEFAULT_WHEEL_LIMITS);
    const fields = parseHeaders(text, (why) => entryInvalid(file, name, why, 'metadata'));
    return fields.get('requires-dist') ?? [];
  } finally {
    closeZip(zip);
  }
}
