import { binaryNote, entryType, isText } from './binary-detail.js';
import type { ContentDetail, EntryDifference, WheelDiff } from './diff-types.js';
import { ARCHIVE, compareCatalogues } from './entry-compare.js';
import { unifiedDiff } from './text-diff.js';
import { readCatalogue, readEntryContents, type WheelCatalogue } from './wheel-catalogue.js';

/** Entries larger than this get no closer look (hash, size and metadata are still compared). */
const DETAIL_MAX_BYTES = 4 * 1024 * 1024;
const MAX_DETAILS = 40;
const MAX_DIFFERENCES = 2000;

export interface DiffSide {
  label: string;
  path: string;
}

/** Compare two wheels (both hostile) entry by entry and explain what differs. */
export async function diffWheels(left: DiffSide, right: DiffSide): Promise<WheelDiff> {
  const [a, b] = [await readCatalogue(left.path), await readCatalogue(right.path)];
  const compared = compareCatalogues(a, b);
  const differences = [...compared.differences];
  if (a.sha256 !== b.sha256 && differences.length === 0) {
    differences.push({ entry: ARCHIVE, kind: 'layout', class: 'archive-metadata', left: 'bytes outside the central directory entries differ', right: 'local headers, offsets or padding' });
  }
  const changed = [...new Set(differences.filter((d) => d.kind === 'content').map((d) => d.entry))];
  const toRead = new Set(changed.slice(0, MAX_DETAILS));
  const [leftBytes, rightBytes] = [await readEntryContents(left.path, toRead, DETAIL_MAX_BYTES), await readEntryContents(right.path, toRead, DETAIL_MAX_BYTES)];
  const details = changed.slice(0, MAX_DETAILS).map((entry) => detail(entry, leftBytes.get(entry), rightBytes.get(entry)));
  const onlyOneSide = differences.filter((d) => d.kind === 'only-left' || d.kind === 'only-right').map((d) => d.entry);
  const record = recordDerivation(a, b, leftBytes, rightBytes, new Set([...changed, ...onlyOneSide]));
  if (record) {
    const found = details.find((d) => d.entry === record);
    if (found) found.derived = true;
  }
  const differingFiles = [...changed, ...onlyOneSide].filter((entry) => entry !== record);
  return {
    left: { label: left.label, file: a.file, sha256: a.sha256 },
    right: { label: right.label, file: b.file, sha256: b.sha256 },
    classification: classify(a.sha256 === b.sha256, differences),
    differences: differences.slice(0, MAX_DIFFERENCES),
    differingFiles,
    details,
    ...(compared.entryOrder ? { entryOrder: compared.entryOrder } : {}),
    truncated: differences.length > MAX_DIFFERENCES || changed.length > MAX_DETAILS,
  };
}

export function classify(sameBytes: boolean, differences: readonly EntryDifference[]): WheelDiff['classification'] {
  if (sameBytes) return 'identical';
  return differences.some((d) => d.class === 'content') ? 'content' : 'archive-metadata-only';
}

function detail(entry: string, left: Buffer | undefined, right: Buffer | undefined): ContentDetail {
  if (left === undefined || right === undefined) return { entry, type: 'too-large', note: `larger than ${DETAIL_MAX_BYTES} bytes; compared by hash only` };
  const type = entryType(entry);
  if (type === undefined && isText(left) && isText(right)) {
    const lines = unifiedDiff(left.toString('utf8'), right.toString('utf8'));
    return lines === null ? { entry, type: 'text', note: 'too different for a line-by-line diff' } : { entry, type: 'text', textDiff: lines };
  }
  return { entry, type: type ?? 'binary', note: binaryNote(entry, left, right) };
}

/**
 * When the only RECORD rows that changed are those of other files that differ,
 * RECORD's difference follows from theirs. Returns RECORD's entry name then.
 */
function recordDerivation(a: WheelCatalogue, b: WheelCatalogue, left: Map<string, Buffer>, right: Map<string, Buffer>, differing: Set<string>): string | undefined {
  const name = a.entries.find((e) => /^[^/]+\.dist-info\/RECORD$/.test(e.name))?.name;
  const l = name === undefined ? undefined : left.get(name);
  const r = name === undefined ? undefined : right.get(name);
  if (name === undefined || l === undefined || r === undefined || !b.entries.some((e) => e.name === name)) return undefined;
  const rows = (bytes: Buffer): Map<string, string> => new Map(bytes.toString('utf8').split('\n').filter(Boolean).map((line) => [line.split(',')[0] ?? '', line]));
  const [lr, rr] = [rows(l), rows(r)];
  const paths = new Set([...lr.keys(), ...rr.keys()]);
  const changedRows = [...paths].filter((p) => lr.get(p) !== rr.get(p));
  return changedRows.length > 0 && changedRows.every((p) => differing.has(p) && p !== name) ? name : undefined;
}
