import { HIDDEN_CHAR } from './unicode.js';

const MAX_EXCERPT = 200;
// C0 (tab kept), DEL and C1 controls, plus every bidi/invisible character the hidden-unicode rule knows.
const UNPRINTABLE = new RegExp(`[\\u0000-\\u0008\\u000a-\\u001f\\u007f-\\u009f\\u2028\\u2029]|${HIDDEN_CHAR.source}`, 'gu');

function escapeChar(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16).toUpperCase()}}`;
}

/** A line made safe to print: control, bidi and invisible characters escaped, trimmed, capped. */
export function safeText(text: string, max = MAX_EXCERPT): string {
  const escaped = text.trim().replace(UNPRINTABLE, escapeChar);
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

/** The excerpt for a 1-based line of `source`. */
export function excerptOf(source: string, lineStarts: readonly number[], line: number): string {
  const start = lineStarts[line - 1];
  if (start === undefined) return '';
  // A minified line can be megabytes: only its head is ever looked at.
  const head = source.slice(start, start + 4 * MAX_EXCERPT);
  const newline = head.indexOf('\n');
  return safeText(newline === -1 ? head : head.slice(0, newline));
}
