import type { ContentDetail } from './diff-types.js';

const NOTE_SO =
  'shared object: common causes are the build path in debug information or __FILE__ strings, timestamps, and the build ID note (a digest of everything else). diffoscope shows the disassembly and sections.';
const NOTE_PYC =
  'compiled Python: the 16-byte header holds the source mtime and size (or a source hash), and the code objects hold the source path (co_filename) the compiler saw.';

/** True for bytes that read as UTF-8 text without NULs. */
export function isText(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function entryType(name: string): ContentDetail['type'] | undefined {
  if (name.endsWith('.pyc')) return 'pyc';
  if (/\.so(\.[0-9.]+)?$/.test(name) || name.endsWith('.pyd') || name.endsWith('.dylib')) return 'shared-object';
  return undefined;
}

/** What a closer look at two versions of a binary entry shows: where they first differ, and the readable text around it. */
export function binaryNote(name: string, left: Buffer, right: Buffer): string {
  const type = entryType(name);
  const parts: string[] = [];
  if (type === 'pyc') parts.push(NOTE_PYC, pycHeaders(left, right));
  if (type === 'shared-object') parts.push(NOTE_SO);
  const offset = firstDifference(left, right);
  if (offset !== -1) {
    const count = left.length === right.length ? differingBytes(left, right) : undefined;
    parts.push(
      `first difference at byte ${offset} (0x${offset.toString(16)})${count === undefined ? `; sizes ${left.length} and ${right.length}` : `; ${count} of ${left.length} bytes differ`}`,
    );
    const l = printableAround(left, offset);
    const r = printableAround(right, offset);
    if (l || r) parts.push(`text near it: ${JSON.stringify(l)} vs ${JSON.stringify(r)}`);
  }
  const only = stringsOnlyIn(left, right);
  if (only.left.length > 0 || only.right.length > 0) {
    parts.push(`strings only in the left: ${only.left.map((x) => JSON.stringify(x)).join(', ') || 'none'}; only in the right: ${only.right.map((x) => JSON.stringify(x)).join(', ') || 'none'}`);
  }
  return parts.filter(Boolean).join(' ');
}

const MIN_STRING = 6;
const MAX_STRINGS = 20_000;

/** Printable runs (like strings(1)) found in one side only: where build paths and host names show up. */
export function stringsOnlyIn(left: Buffer, right: Buffer, max = 8): { left: string[]; right: string[] } {
  const [l, r] = [strings(left), strings(right)];
  const pick = (mine: Set<string>, theirs: Set<string>): string[] =>
    [...mine].filter((x) => !theirs.has(x)).slice(0, max).map((x) => (x.length > 120 ? `${x.slice(0, 120)}…` : x));
  return { left: pick(l, r), right: pick(r, l) };
}

function strings(bytes: Buffer): Set<string> {
  const found = new Set<string>();
  let start = -1;
  for (let i = 0; i <= bytes.length && found.size < MAX_STRINGS; i++) {
    const b = bytes[i];
    const printable = b !== undefined && b >= 0x20 && b < 0x7f;
    if (printable && start === -1) start = i;
    if (!printable && start !== -1) {
      if (i - start >= MIN_STRING) found.add(bytes.subarray(start, i).toString('latin1'));
      start = -1;
    }
  }
  return found;
}

export function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

function differingBytes(a: Buffer, b: Buffer): number {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  return count;
}

/** The run of printable ASCII that contains (or touches) `offset`, at most 60 characters each side. */
export function printableAround(bytes: Buffer, offset: number): string {
  const printable = (i: number): boolean => i >= 0 && i < bytes.length && (bytes[i] as number) >= 0x20 && (bytes[i] as number) < 0x7f;
  let start = Math.min(offset, bytes.length);
  while (start > 0 && printable(start - 1) && offset - start < 60) start--;
  let end = offset;
  while (printable(end) && end - offset < 60) end++;
  return bytes.subarray(start, end).toString('latin1');
}

/** The pyc header fields (PEP 552) of both sides, where they differ. */
function pycHeaders(a: Buffer, b: Buffer): string {
  if (a.length < 16 || b.length < 16) return '';
  const describe = (p: Buffer): Record<string, string> => {
    const flags = p.readUInt32LE(4);
    if (flags & 1) return { magic: p.subarray(0, 4).toString('hex'), flags: String(flags), sourceHash: p.subarray(8, 16).toString('hex') };
    return { magic: p.subarray(0, 4).toString('hex'), flags: String(flags), sourceMtime: new Date(p.readUInt32LE(8) * 1000).toISOString(), sourceSize: String(p.readUInt32LE(12)) };
  };
  const l = describe(a);
  const r = describe(b);
  const keys = [...new Set([...Object.keys(l), ...Object.keys(r)])].filter((k) => l[k] !== r[k]);
  return keys.length === 0 ? 'The headers are equal; the code objects differ.' : `Header: ${keys.map((k) => `${k} ${l[k] ?? '-'} vs ${r[k] ?? '-'}`).join('; ')}.`;
}
