/** Characters that change how source is displayed without being visible (one code point each). */
export const HIDDEN_CHAR =
  /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\u200B-\u200D\u2060-\u2064\uFEFF\u180E\u3164\u115F\u1160\uFFA0\u00AD\u034F\u17B4\u17B5\uFE00-\uFE0F\u{E0000}-\u{E007F}\u{E0100}-\u{E01EF}]/u;

export type HiddenKind = 'bidi' | 'bidi-mark' | 'invisible';

/** Explicit embeddings, overrides and isolates: the Trojan Source characters. */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/u;
const BIDI_MARK = /[\u200E\u200F\u061C]/u;
/** Joiners and variation selectors that legitimately follow emoji and complex scripts. */
const JOINER_OR_SELECTOR = /^[\u200C\u200D\uFE0E\uFE0F]+$/u;

export interface HiddenRun {
  /** Offset (UTF-16) of the first character of the run. */
  offset: number;
  /** Code points in the run. */
  length: number;
  kind: HiddenKind;
  /** The run follows a visible non-ASCII character and holds only joiners or variation selectors: ordinary text. */
  benignJoiner: boolean;
}

const RUNS = new RegExp(`(?:${HIDDEN_CHAR.source})+`, 'gu');

/** Runs of hidden characters in `text`; a byte order mark at offset 0 is not one. */
export function hiddenRuns(text: string): HiddenRun[] {
  const runs: HiddenRun[] = [];
  for (const m of text.matchAll(RUNS)) {
    let chars = [...m[0]];
    let offset = m.index;
    if (offset === 0 && chars[0] === '\uFEFF') {
      chars = chars.slice(1);
      offset += 1;
      if (chars.length === 0) continue;
    }
    const run = chars.join('');
    const kind: HiddenKind = BIDI_CONTROL.test(run) ? 'bidi' : BIDI_MARK.test(run) && chars.every((c) => BIDI_MARK.test(c)) ? 'bidi-mark' : 'invisible';
    const before = offset > 0 ? text.codePointAt(offset - 1) ?? 0 : 0;
    const visibleNonAscii = before > 0x7f && !HIDDEN_CHAR.test(String.fromCodePoint(before));
    runs.push({ offset, length: chars.length, kind, benignJoiner: kind === 'invisible' && visibleNonAscii && JOINER_OR_SELECTOR.test(run) });
  }
  return runs;
}

export function describeRun(text: string, run: HiddenRun): string {
  const chars = [...text.slice(run.offset, run.offset + 8)].slice(0, Math.min(run.length, 4));
  const names = chars.map((c) => `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`).join(' ');
  return run.length > 4 ? `${names} … (${run.length} characters)` : names;
}
