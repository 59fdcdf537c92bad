import { basename } from 'node:path';
import { DEFAULT_WHEEL_LIMITS, listMembers } from '../check/zip-entry.js';
import { closeZip, openZip, readEntry } from '../check/zip.js';
import type { SentinelLeak } from './types.js';

const MAX_LEAKS = 200;

/**
 * Find planted sentinel strings in a wheel's entry names and (decompressed)
 * contents. Streams every entry once, within the wheel check's limits.
 */
export async function scanForSentinels(path: string, sentinels: ReadonlyArray<{ kind: string; value: string }>): Promise<SentinelLeak[]> {
  const needles = sentinels.filter((s) => s.value.length > 0).map((s) => ({ ...s, bytes: Buffer.from(s.value) }));
  if (needles.length === 0) return [];
  const overlap = Math.max(...needles.map((n) => n.bytes.length)) - 1;
  const file = basename(path);
  const zip = await openZip(path, file);
  const leaks: SentinelLeak[] = [];
  try {
    for (const member of await listMembers(zip, file, DEFAULT_WHEEL_LIMITS)) {
      for (const n of needles) if (member.name.includes(n.value)) leaks.push({ kind: n.kind, value: n.value, entry: member.name, where: 'name' });
      if (member.directory) continue;
      const found = new Set<string>();
      let carry = Buffer.alloc(0);
      for await (const chunk of readEntry(zip, file, member.entry, member.name)) {
        const window = carry.length === 0 ? chunk : Buffer.concat([carry, chunk]);
        for (const n of needles) if (!found.has(n.value) && window.includes(n.bytes)) found.add(n.value);
        carry = Buffer.from(window.subarray(Math.max(0, window.length - overlap)));
      }
      for (const n of needles) if (found.has(n.value)) leaks.push({ kind: n.kind, value: n.value, entry: member.name, where: 'content' });
      if (leaks.length >= MAX_LEAKS) break;
    }
  } finally {
    closeZip(zip);
  }
  return leaks.slice(0, MAX_LEAKS);
}
