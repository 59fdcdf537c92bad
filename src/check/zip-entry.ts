import type { Entry, ZipFile } from 'yauzl';
import { entryInvalid, forEachEntry, wheelInvalid } from './zip.js';

/** Bounds on an untrusted wheel, all enforced from the central directory before any data is read. */
export interface WheelLimits {
  maxEntries: number;
  /** Sum of declared uncompressed sizes. */
  maxTotalBytes: number;
  /** Uncompressed bytes per compressed byte, per entry. */
  maxRatio: number;
  /** Entries smaller than this are not judged by ratio: small runs of zeros compress beyond any sane ratio. */
  ratioFloorBytes: number;
  /** Largest METADATA, WHEEL or RECORD read into memory. */
  maxMetadataBytes: number;
  /** Longest entry name, in characters. */
  maxNameLength: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_WHEEL_LIMITS: Readonly<WheelLimits> = Object.freeze({
  maxEntries: 50_000,
  maxTotalBytes: 2048 * MiB,
  maxRatio: 200,
  ratioFloorBytes: 1 * MiB,
  maxMetadataBytes: 16 * MiB,
  maxNameLength: 1024,
});

/** A validated zip entry: a safe relative name, a regular file or a directory. */
export interface ZipMember {
  name: string;
  directory: boolean;
  /** Declared uncompressed size; yauzl enforces it while reading. */
  size: number;
  entry: Entry;
}

const UTF8_FLAG = 0x800;
const UNICODE_PATH_FIELD = 0x7075;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const STORED = 0;
const DEFLATED = 8;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Read the central directory, refusing the first unsafe entry and any breach of `limits`. */
export async function listMembers(zip: ZipFile, file: string, limits: WheelLimits): Promise<ZipMember[]> {
  if (zip.entryCount > limits.maxEntries) {
    throw wheelInvalid(file, `${zip.entryCount} entries exceed the limit of ${limits.maxEntries}`, 'too-many-entries');
  }
  const members: ZipMember[] = [];
  const names = new Set<string>();
  const parents = new Set<string>();
  let total = 0;
  await forEachEntry(zip, file, (entry) => {
    const member = describeEntry(entry, file, limits);
    if (names.has(member.name)) throw entryInvalid(file, member.name, 'duplicate entry name', 'duplicate');
    names.add(member.name);
    total += member.size;
    if (total > limits.maxTotalBytes) {
      throw entryInvalid(file, member.name, `total uncompressed size exceeds ${limits.maxTotalBytes} bytes`, 'total-too-large');
    }
    for (let i = member.name.indexOf('/'); i !== -1; i = member.name.indexOf('/', i + 1)) {
      parents.add(member.name.slice(0, i));
    }
    members.push(member);
  });
  for (const member of members) {
    if (!member.directory && parents.has(member.name)) {
      throw entryInvalid(file, member.name, 'is both a file and a directory', 'path-conflict');
    }
  }
  return members;
}

function describeEntry(entry: Entry, file: string, limits: WheelLimits): ZipMember {
  const name = decodeName(entry, file);
  const refuse = (why: string, rule: string): never => {
    throw entryInvalid(file, name, why, rule);
  };
  if (name.length > limits.maxNameLength) refuse(`name longer than ${limits.maxNameLength} characters`, 'name-too-long');
  checkName(name, refuse);
  if (entry.extraFields.some((field) => field.id === UNICODE_PATH_FIELD)) {
    refuse('carries a second (Unicode Path) name that installers may read differently', 'ambiguous-name');
  }
  if (entry.isEncrypted()) refuse('is encrypted', 'encrypted');
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    refuse(`unsupported compression method ${entry.compressionMethod}`, 'compression');
  }
  const directory = name.endsWith('/');
  const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (mode === S_IFLNK) refuse('is a symlink', 'symlink');
  if (directory) {
    if (mode !== 0 && mode !== S_IFDIR) refuse('directory name with non-directory attributes', 'special-file');
    if (entry.uncompressedSize !== 0) refuse('directory entry carries data', 'special-file');
  } else if (mode !== 0 && mode !== S_IFREG) {
    refuse(`not a regular file (mode ${mode.toString(8)})`, 'special-file');
  }
  const size = entry.uncompressedSize;
  if (size > limits.ratioFloorBytes && size > entry.compressedSize * limits.maxRatio) {
    refuse(`expands ${entry.compressedSize} bytes to ${size}, beyond a ratio of ${limits.maxRatio}`, 'ratio');
  }
  return { name, directory, size, entry };
}

function decodeName(entry: Entry, file: string): string {
  const raw = entry.fileName as unknown;
  if (!Buffer.isBuffer(raw)) throw new TypeError('yauzl must be opened with decodeStrings: false');
  if ((entry.generalPurposeBitFlag & UTF8_FLAG) !== 0) {
    try {
      return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
    } catch {
      throw entryInvalid(file, raw.toString('latin1'), 'name is not valid UTF-8', 'encoding');
    }
  }
  // Without the UTF-8 flag a reader may pick CP437 or anything else; only ASCII reads the same everywhere.
  if (raw.some((byte) => byte >= 0x80)) {
    throw entryInvalid(file, raw.toString('latin1'), 'non-ASCII name without the UTF-8 flag', 'encoding');
  }
  return raw.toString('ascii');
}

function checkName(name: string, refuse: (why: string, rule: string) => never): void {
  if (name.length === 0) refuse('empty name', 'empty-name');
  if (CONTROL.test(name)) refuse('name contains a control character', 'control-char');
  if (name.includes('\\')) refuse('name contains a backslash', 'backslash');
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) refuse('absolute path', 'absolute-path');
  const parts = (name.endsWith('/') ? name.slice(0, -1) : name).split('/');
  if (parts.includes('..')) refuse('path traversal', 'path-traversal');
  if (parts.includes('.') || parts.includes('')) refuse('empty or "." path segment', 'path-segment');
}
