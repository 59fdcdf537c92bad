import type { EntryDifference } from './diff-types.js';
import type { CatalogueEntry, WheelCatalogue } from './wheel-catalogue.js';

export const ARCHIVE = '(archive)';
const MAX_ORDER_LISTED = 500;

/**
 * Compare two wheels' catalogues entry by entry. Pure: the same catalogues give
 * the same differences, listed in the left wheel's entry order, then right-only entries.
 */
export function compareCatalogues(left: WheelCatalogue, right: WheelCatalogue): { differences: EntryDifference[]; entryOrder?: { left: string[]; right: string[] } } {
  const differences: EntryDifference[] = [];
  if (left.file !== right.file) differences.push({ entry: ARCHIVE, kind: 'file-name', class: 'content', left: left.file, right: right.file });
  if (left.comment !== right.comment) differences.push({ entry: ARCHIVE, kind: 'comment', class: 'archive-metadata', left: left.comment, right: right.comment });
  const rightByName = new Map(right.entries.map((e) => [e.name, e]));
  const leftNames = new Set(left.entries.map((e) => e.name));
  for (const entry of left.entries) {
    const other = rightByName.get(entry.name);
    if (other === undefined) differences.push({ entry: entry.name, kind: 'only-left', class: 'content', left: describeBrief(entry) });
    else differences.push(...compareEntry(entry, other));
  }
  for (const entry of right.entries) {
    if (!leftNames.has(entry.name)) differences.push({ entry: entry.name, kind: 'only-right', class: 'content', right: describeBrief(entry) });
  }
  const leftOrder = left.entries.map((e) => e.name).filter((n) => rightByName.has(n));
  const rightOrder = right.entries.map((e) => e.name).filter((n) => leftNames.has(n));
  if (leftOrder.some((name, i) => rightOrder[i] !== name)) {
    const first = leftOrder.findIndex((name, i) => rightOrder[i] !== name);
    differences.push({ entry: ARCHIVE, kind: 'order', class: 'archive-metadata', left: `#${first + 1}: ${leftOrder[first]}`, right: `#${first + 1}: ${rightOrder[first]}` });
    return { differences, entryOrder: { left: left.entries.slice(0, MAX_ORDER_LISTED).map((e) => e.name), right: right.entries.slice(0, MAX_ORDER_LISTED).map((e) => e.name) } };
  }
  return { differences };
}

function compareEntry(a: CatalogueEntry, b: CatalogueEntry): EntryDifference[] {
  const out: EntryDifference[] = [];
  const meta = (kind: EntryDifference['kind'], left: string, right: string): void => {
    if (left !== right) out.push({ entry: a.name, kind, class: 'archive-metadata', left, right });
  };
  const contentDiffers = a.sha256 !== b.sha256;
  if (contentDiffers) {
    if (a.size !== b.size) out.push({ entry: a.name, kind: 'size', class: 'content', left: String(a.size), right: String(b.size) });
    out.push({ entry: a.name, kind: 'content', class: 'content', left: `sha256 ${a.sha256}`, right: `sha256 ${b.sha256}` });
  }
  meta('timestamp', a.modified, b.modified);
  meta('mode', octal(a.mode), octal(b.mode));
  meta('attributes', hex(a.dosAttributes), hex(b.dosAttributes));
  meta('made-by', madeBy(a.madeBy), madeBy(b.madeBy));
  meta('zip-flags', hex(a.flags), hex(b.flags));
  meta('compression', methodName(a.method), methodName(b.method));
  // With different content or compression, a different compressed size is only a consequence.
  if (!contentDiffers && a.method === b.method) meta('compressed-size', String(a.compressedSize), String(b.compressedSize));
  meta('extra-fields', a.extra || 'none', b.extra || 'none');
  meta('comment', a.comment, b.comment);
  return out;
}

function describeBrief(e: CatalogueEntry): string {
  return e.directory ? 'directory' : `${e.size} bytes, sha256 ${e.sha256}`;
}

function octal(mode: number): string {
  return `0o${mode.toString(8).padStart(6, '0')}`;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

function madeBy(v: number): string {
  const hosts: Record<number, string> = { 0: 'MS-DOS', 3: 'Unix', 19: 'OS X' };
  return `${hosts[v >> 8] ?? `host ${v >> 8}`}, zip ${(v & 0xff) / 10}`;
}

export function methodName(method: number): string {
  return method === 0 ? 'stored' : method === 8 ? 'deflated' : `method ${method}`;
}
