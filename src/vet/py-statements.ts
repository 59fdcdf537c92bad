import { lineAt, type PyViews } from './py-tokenize.js';

/** One logical line (brackets and backslash continuations joined), with where it runs. */
export interface PyStatement {
  start: number;
  end: number;
  /** 1-based line of its first character. */
  line: number;
  indent: number;
  /** `code` view text: strings and comments blanked. */
  code: string;
  /** `bare` view text: only comments blanked. */
  bare: string;
  /** Runs when the module is imported: not inside a def, lambda-free guess, nor under `if __name__ == '__main__'`. */
  importTime: boolean;
  /** Index of the innermost enclosing def statement, -1 at module or class level. */
  scope: number;
  /** Index of the innermost enclosing class statement, -1 when none. */
  classScope: number;
}

type BlockKind = 'def' | 'class' | 'main' | 'block';

interface OpenBlock {
  indent: number;
  kind: BlockKind;
  index: number;
}

const DEF = /^(?:async\s+)?def\b/;
const CLASS = /^class\b/;
const MAIN_GUARD = /^if\s+__name__\s*==\s*['"]__main__['"]|^if\s+['"]__main__['"]\s*==\s*__name__/;

/** Split the code view into logical lines. Brackets are balanced on code only, so strings cannot confuse them. */
function logicalLines(code: string): Array<{ start: number; end: number }> {
  const spans: Array<{ start: number; end: number }> = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < code.length; i++) {
    const c = code[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || c === '}') && depth > 0) depth--;
    else if (c === '\\' && code[i + 1] === '\n') i++;
    else if (c === '\\' && code[i + 1] === '\r' && code[i + 2] === '\n') i += 2;
    else if ((c === '\n' && depth === 0) || (c === ';' && depth === 0)) {
      spans.push({ start, end: i });
      start = i + 1;
    }
  }
  spans.push({ start, end: code.length });
  return spans;
}

/** Logical statements with their block context, in source order. */
export function pythonStatements(views: PyViews): PyStatement[] {
  const statements: PyStatement[] = [];
  const open: OpenBlock[] = [];
  for (const span of logicalLines(views.code)) {
    const raw = views.code.slice(span.start, span.end);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text === '') continue;
    const start = span.start + lead;
    const lineStart = views.lineStarts[lineAt(views.lineStarts, start) - 1] as number;
    // After a `;` the statement shares its line: it inherits the indent of the line.
    const indent = views.code.slice(lineStart, start).search(/\S|$/);
    while (open.length > 0 && (open[open.length - 1] as OpenBlock).indent >= indent) open.pop();
    const bare = views.bare.slice(start, span.end).trim();
    const inDef = open.some((b) => b.kind === 'def') || DEF.test(text);
    const inMain = open.some((b) => b.kind === 'main') || MAIN_GUARD.test(bare);
    const defs = open.filter((b) => b.kind === 'def');
    const classes = open.filter((b) => b.kind === 'class');
    const index = statements.length;
    statements.push({
      start,
      end: span.end,
      line: lineAt(views.lineStarts, start),
      indent,
      code: views.code.slice(start, span.end),
      bare: views.bare.slice(start, span.end),
      importTime: !inDef && !inMain,
      scope: DEF.test(text) ? index : (defs[defs.length - 1]?.index ?? -1),
      classScope: classes[classes.length - 1]?.index ?? -1,
    });
    if (text.endsWith(':')) {
      const kind: BlockKind = DEF.test(text) ? 'def' : CLASS.test(text) ? 'class' : MAIN_GUARD.test(bare) ? 'main' : 'block';
      open.push({ indent, kind, index });
    }
  }
  return statements;
}

/** Index of the statement containing `offset` (the last one starting at or before it). */
export function statementAt(statements: readonly PyStatement[], offset: number): number {
  let lo = 0;
  let hi = statements.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((statements[mid] as PyStatement).start <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const PROSE = /^(?:[rRbBuUfF]{0,2}(?:"""|'''|"|')\s*(?:"""|'''|"|')\s*)+$/;

/** A string that is a whole statement (a docstring, a bare literal) is prose, not data a program uses. */
export function isProseAt(statements: readonly PyStatement[], offset: number): boolean {
  const st = statements[statementAt(statements, offset)];
  return st !== undefined && PROSE.test(st.code.trim());
}
