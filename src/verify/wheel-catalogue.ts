import { basename } from 'node:path';
import type { Entry } from 'yauzl';
import { DEFAULT_WHEEL_LIMITS, listMembers, type ZipMember } from '../check/zip-entry.js';
import { closeZip, hashEntry, openZip, readEntry } from '../check/zip.js';
import { sha256File } from '../core/digest.js';

/** Everything the central directory says about one entry, and the sha256 of its content. */
export interface CatalogueEntry {
  name: string;
  directory: boolean;
  /** The DOS date and time as stored, `YYYY-MM-DD hh:mm:ss`. */
  modified: string;
  /** Unix mode from the high 16 bits of the external attributes. */
  mode: number;
  /** The low 16 bits (MS-DOS attributes). */
  dosAttributes: number;
  madeBy: number;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  /** Extra fields as `id:length` in hex, e.g. `5455:9`. */
  extra: string;
  comment: string;
  sha256: string;
}

export interface WheelCatalogue {
  file: string;
  sha256: string;
  comment: string;
  entries: CatalogueEntry[];
}

/**
 * Read a wheel's central directory and hash every entry. The wheel is hostile:
 * the same entry rules and limits as the wheel check apply before any data is read.
 */
export async function readCatalogue(path: string): Promise<WheelCatalogue> {
  const file = basename(path);
  const sha256 = await sha256File(path);
  const zip = await openZip(path, file);
  try {
    const members = await listMembers(zip, file, DEFAULT_WHEEL_LIMITS);
    const entries: CatalogueEntry[] = [];
    for (const member of members) entries.push(await describe(zip, file, member));
    return { file, sha256, comment: printable(zip.comment as unknown), entries };
  } finally {
    closeZip(zip);
  }
}

/** The content of the named entries, each at most `maxBytes` (larger ones are left out). */
export async function readEntryContents(path: string, names: ReadonlySet<string>, maxBytes: number): Promise<Map<string, Buffer>> {
  const file = basename(path);
  const zip = await openZip(path, file);
  const contents = new Map<string, Buffer>();
  try {
    const members = await listMembers(zip, file, DEFAULT_WHEEL_LIMITS);
    for (const member of members) {
      if (member.directory || !names.has(member.name) || member.size > maxBytes) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of readEntry(zip, file, member.entry, member.name)) chunks.push(chunk);
      contents.set(member.name, Buffer.concat(chunks));
    }
    return contents;
  } finally {
    closeZip(zip);
  }
}

async function describe(zip: Parameters<typeof hashEntry>[0], file: string, member: ZipMember): Promise<CatalogueEntry> {
  const entry: Entry = member.entry;
  const digest = member.directory ? '' : Buffer.from((await hashEntry(zip, file, entry, member.name)).digest, 'base64url').toString('hex');
  return {
    name: member.name,
    directory: member.directory,
    modified: dosDateTime(entry.lastModFileDate, entry.lastModFileTime),
    mode: (entry.externalFileAttributes >>> 16) & 0xffff,
    dosAttributes: entry.externalFileAttributes & 0xffff,
    madeBy: entry.versionMadeBy,
    flags: entry.generalPurposeBitFlag,
    method: entry.compressionMethod,
    compressedSize: entry.compressedSize,
    size: entry.uncompressedSize,
    extra: entry.extraFields.map((f) => `${f.id.toString(16).padStart(4, '0')}:${f.data.length}`).join(','),
    comment: printable((entry as unknown as { fileComment?: unknown }).fileComment),
    sha256: digest,
  };
}

export function dosDateTime(date: number, time: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = `${1980 + (date >> 9)}-${pad((date >> 5) & 0xf)}-${pad(date & 0x1f)}`;
  return `${day} ${pad(time >> 11)}:${pad((time >> 5) & 0x3f)}:${pad((time & 0x1f) * 2)}`;
}

/** Comments are undecoded bytes; show them as escaped ASCII. */
function printable(raw: unknown): string {
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(typeof raw === 'string' ? raw : '');
  return [...bytes.subarray(0, 512)].map((b) => (b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}
