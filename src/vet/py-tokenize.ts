/** A string literal: `body` is the raw text between its quotes (escapes not processed). */
export interface PyString {
  /** Offset of the first body character. */
  start: number;
  end: number;
  body: string;
  prefix: string;
}

export interface PyComment {
  start: number;
  text: string;
}

/**
 * Views of one Python source, each exactly as long as the source so offsets
 * carry across: `code` has string bodies (newlines included, so a docstring is
 * one logical line) and comments blanked (an f-string keeps its `{…}`
 * expressions), `bare` only comments. Line numbers come from `lineStarts`.
 */
export interface PyViews {
  source: string;
  code: string;
  bare: string;
  strings: PyString[];
  comments: PyComment[];
  /** Offsets where each line starts, for offset → line. */
  lineStarts: number[];
}

/** The next comment, quote, or string prefix directly before a quote. */
const NEXT = /#|['"]|[rRbBuUfFtT]{1,2}(?=['"])/g;
const IDENT_CHAR = /[\w\u0080-\uffff]/;

/** Spaces of the same length: line numbers come from the source, so not even newlines are kept. */
function blank(text: string): string {
  return ' '.repeat(text.length);
}

/** Blank an f-string body except the expressions inside single braces. */
function blankFString(body: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (depth === 0 && (c === '{' || c === '}') && body[i + 1] === c) {
      out += '  ';
      i++;
    } else if (c === '{') {
      depth++;
      out += depth === 1 ? ' ' : c;
    } else if (c === '}' && depth > 0) {
      depth--;
      out += depth === 0 ? ' ' : c;
    } else {
      out += depth > 0 && c !== '\n' && c !== '\r' ? c : ' ';
    }
  }
  return out;
}

/** Where a literal that opens at `quoteAt` ends: the offset just past its body. */
function bodyEnd(src: string, bodyStart: number, quote: string, triple: boolean): number {
  let j = bodyStart;
  while (j < src.length) {
    const c = src[j];
    if (c === '\\') {
      j += 2;
      continue;
    }
    if (triple ? src.startsWith(quote.repeat(3), j) : c === quote) return j;
    if (!triple && c === '\n') return j;
    j++;
  }
  return src.length;
}

export function lineStartsOf(source: string): number[] {
  const starts = [0];
  for (let i = source.indexOf('\n'); i !== -1; i = source.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line of an offset. */
export function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

/**
 * Split Python source into code, strings and comments. Not a full tokenizer:
 * just enough that a docstring or comment mentioning `requests.get` is not
 * mistaken for a call, and that malformed input cannot make it loop.
 */
export function tokenizePython(source: string): PyViews {
  const code: string[] = [];
  const bare: string[] = [];
  const strings: PyString[] = [];
  const comments: PyComment[] = [];
  let i = 0;
  let plainFrom = 0;
  const flushPlain = (to: number): void => {
    if (to > plainFrom) {
      const text = source.slice(plainFrom, to);
      code.push(text);
      bare.push(text);
    }
  };
  for (;;) {
    NEXT.lastIndex = i;
    const m = NEXT.exec(source);
    if (!m) break;
    i = m.index;
    if (m[0] === '#') {
      flushPlain(i);
      let end = source.indexOf('\n', i);
      if (end === -1) end = source.length;
      const text = source.slice(i, end);
      comments.push({ start: i, text });
      code.push(blank(text));
      bare.push(blank(text));
      i = plainFrom = end;
      continue;
    }
    const prefix = m[0] === '"' || m[0] === "'" ? '' : m[0];
    if (prefix !== '' && i > 0 && IDENT_CHAR.test(source[i - 1] as string)) {
      i++;
      continue;
    }
    flushPlain(i);
    const quoteAt = i + prefix.length;
    const quote = source[quoteAt] as string;
    const triple = source.startsWith(quote.repeat(3), quoteAt);
    const open = triple ? 3 : 1;
    const start = quoteAt + open;
    const end = bodyEnd(source, start, quote, triple);
    const close = source.startsWith(triple ? quote.repeat(3) : quote, end) ? open : 0;
    const body = source.slice(start, end);
    strings.push({ start, end, body, prefix });
    const head = source.slice(i, start);
    const tail = source.slice(end, end + close);
    const isF = /[fFtT]/.test(prefix);
    code.push(head, isF ? blankFString(body) : blank(body), tail);
    bare.push(head, body, tail);
    i = plainFrom = end + close;
  }
  flushPlain(source.length);
  return { source, code: code.join(''), bare: bare.join(''), strings, comments, lineStarts: lineStartsOf(source) };
}
