import type { PyCall } from './py-calls.js';
import type { PyStatement } from './py-statements.js';

const ASSIGN = /^((?:[A-Za-z_]\w*\s*,\s*)*[A-Za-z_]\w*)\s*(?::[^=]+)?(?:\+|\|)?=(?!=)/;
const WITH_AS = /^(?:async\s+)?with\b.*\bas\s+([A-Za-z_]\w*)\s*:?\s*$/s;
const FOR_IN = /^(?:async\s+)?for\s+([\w\s,]+?)\s+in\b/;

/** Names a statement binds (`a, b = …`, `with … as f`, `for x in …`) and the code they are bound from. */
export interface Binding {
  targets: string[];
  from: string;
}

export function binding(st: PyStatement): Binding | null {
  const code = st.code.trim();
  const split = (names: string): string[] => names.split(',').map((s) => s.trim()).filter(Boolean);
  const assign = ASSIGN.exec(code);
  if (assign) return { targets: split(assign[1] as string), from: code.slice(assign[0].length) };
  const withAs = WITH_AS.exec(code);
  if (withAs) return { targets: [withAs[1] as string], from: code.slice(0, withAs.index + withAs[0].lastIndexOf(' as ')) };
  const forIn = FOR_IN.exec(code);
  if (forIn) return { targets: split(forIn[1] as string), from: code.slice(forIn[0].length) };
  return null;
}

/**
 * Tainted names are kept per scope (`<def index>:<name>`, module level `-1:<name>`),
 * so a common name like `data` in one function says nothing about another.
 */
export type TaintSet = ReadonlySet<string>;

/** The first tainted name `text` mentions, seen from `scope` (its own names and module-level ones). */
export function mentions(text: string, tainted: TaintSet, scope: number): string | undefined {
  if (tainted.size === 0) return undefined;
  for (const m of text.matchAll(/(?<![\w.])[A-Za-z_]\w*/g)) {
    if (tainted.has(`${scope}:${m[0]}`) || tainted.has(`-1:${m[0]}`)) return m[0];
  }
  return undefined;
}

/**
 * Names that carry data from a source (a decoder, a download) through
 * assignments, in source order, until nothing changes.
 */
export function taintedNames(
  statements: readonly PyStatement[],
  bindings: ReadonlyArray<Binding | null>,
  isSource: (index: number) => boolean,
  extra: (st: PyStatement, index: number) => string[] = () => [],
): Set<string> {
  const tainted = new Set<string>();
  for (let pass = 0; pass < 3; pass++) {
    const before = tainted.size;
    for (const [index, st] of statements.entries()) {
      const source = isSource(index);
      const scope = st.scope === index ? -2 : st.scope;
      if (source) for (const name of extra(st, index)) tainted.add(`${scope}:${name}`);
      const bound = bindings[index];
      if (bound && (source || mentions(bound.from, tainted, scope))) for (const name of bound.targets) tainted.add(`${scope}:${name}`);
    }
    if (tainted.size === before) break;
  }
  return tainted;
}

/** The calls in statement `index` that start at or after `from`. */
export function callsAfter(calls: readonly PyCall[], index: number, from: number): PyCall[] {
  return calls.filter((c) => c.statement === index && c.offset >= from);
}
