import type { ZipFile } from 'yauzl';
import type { HbuildError } from '../core/errors.js';
import type { ZipMember } from './zip-entry.js';
import { entryInvalid, hashEntry } from './zip.js';

/** One RECORD row: path, `algo=digest` and size, as written. */
export interface RecordLine {
  path: string;
  hash: string;
  size: string;
  line: number;
}

const SHA256_B64 = /^sha256=([A-Za-z0-9_-]{43})$/;
const SIZE = /^(0|[1-9][0-9]{0,15})$/;

/** Parse RECORD (CSV, three fields a row); a path listed twice is refused. */
export function parseRecord(text: string, file: string, recordPath: string): Map<string, RecordLine> {
  const refuse = (why: string): HbuildError => entryInvalid(file, recordPath, why, 'record');
  const lines = new Map<string, RecordLine>();
  for (const { fields, line } of parseCsv(text, refuse)) {
    if (fields.length === 1 && fields[0] === '') continue;
    const [path, hash, size] = fields;
    if (fields.length !== 3 || path === undefined || hash === undefined || size === undefined) {
      throw refuse(`line ${line} has ${fields.length} fields, not 3`);
    }
    if (lines.has(path)) throw entryInvalid(file, path, `listed in RECORD more than once (line ${line})`, 'record');
    lines.set(path, { path, hash, size, line });
  }
  return lines;
}

/**
 * Every file in the wheel but RECORD itself (and its signatures) must be
 * listed with a sha256 and size that match its content, and RECORD must list
 * nothing that is not a file in the wheel. Structure is checked before any
 * content is hashed.
 */
export async function verifyRecord(
  zip: ZipFile,
  file: string,
  members: ZipMember[],
  record: Map<string, RecordLine>,
  recordPath: string,
): Promise<void> {
  const files = members.filter((member) => !member.directory);
  const present = new Set(files.map((member) => member.name));
  const signatures = new Set([`${recordPath}.jws`, `${recordPath}.p7s`]);
  for (const line of record.values()) {
    if (!present.has(line.path)) throw entryInvalid(file, line.path, 'listed in RECORD but not a file in the wheel', 'record-extra');
  }
  const own = record.get(recordPath);
  if (own !== undefined && (own.hash !== '' || own.size !== '')) {
    throw entryInvalid(file, recordPath, 'RECORD lists a hash or size for itself', 'record');
  }
  for (const member of files) {
    if (member.name === recordPath) continue;
    const line = record.get(member.name);
    if (line === undefined) {
      if (signatures.has(member.name)) continue;
      throw entryInvalid(file, member.name, 'not listed in RECORD', 'record-missing');
    }
    if (signatures.has(member.name) && line.hash === '' && line.size === '') continue;
    const expected = expectedContent(line, file);
    if (member.size !== expected.size) {
      throw entryInvalid(file, member.name, `size ${member.size} does not match RECORD size ${expected.size}`, 'record-mismatch');
    }
    const actual = await hashEntry(zip, file, member.entry, member.name);
    if (actual.digest !== expected.digest || actual.size !== expected.size) {
      const error = entryInvalid(file, member.name, 'content does not match its RECORD hash', 'record-mismatch');
      Object.assign(error.details, { expected: expected.digest, actual: actual.digest });
      throw error;
    }
  }
}

function expectedContent(line: RecordLine, file: string): { digest: string; size: number } {
  const digest = SHA256_B64.exec(line.hash)?.[1];
  if (digest === undefined) {
    throw entryInvalid(file, line.path, `RECORD line ${line.line} has no sha256= digest`, 'record');
  }
  if (!SIZE.test(line.size)) throw entryInvalid(file, line.path, `RECORD line ${line.line} has no valid size`, 'record');
  return { digest, size: Number(line.size) };
}

/**
 * Python's csv dialect, strictly: quotes only around whole fields, `""` for a
 * quote inside them. Input Python would read leniently is refused instead.
 */
function parseCsv(text: string, refuse: (why: string) => HbuildError): { fields: string[]; line: number }[] {
  const rows: { fields: string[]; line: number }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let closed = false;
  let line = 1;
  let start = 1;
  const endField = (): void => {
    fields.push(field);
    field = '';
    closed = false;
  };
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (ch === '"') {
        quoted = false;
        closed = true;
      } else {
        if (ch === '\n') line += 1;
        field += ch;
      }
    } else if (ch === ',') {
      endField();
    } else if (ch === '\n' || ch === '\r') {
      endField();
      rows.push({ fields, line: start });
      fields = [];
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
      line += 1;
      start = line;
    } else if (closed) {
      throw refuse(`line ${line} has text after a closing quote`);
    } else if (ch === '"') {
      if (field !== '') throw refuse(`line ${line} has a quote inside an unquoted field`);
      quoted = true;
    } else {
      field += ch;
    }
  }
  if (quoted) throw refuse(`line ${line} has an unterminated quote`);
  if (field !== '' || closed || fields.length > 0) {
    endField();
    rows.push({ fields, line: start });
  }
  return rows;
}
