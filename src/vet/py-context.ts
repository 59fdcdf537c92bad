import { excerptOf } from './excerpt.js';
import type { PyCall, PyModuleNames } from './py-calls.js';
import type { PyStatement } from './py-statements.js';
import type { Binding } from './py-taint.js';
import { lineAt, type PyViews } from './py-tokenize.js';

/** One match in a file: where, the line as shown, and what matched. */
export interface Hit {
  line: number;
  excerpt: string;
  what: string;
}

export interface CallHit extends Hit {
  importTime: boolean;
  scope: number;
  classScope: number;
}

/** One Python file, parsed once, with per-statement facts every matcher shares. */
export interface PyContext {
  views: PyViews;
  statements: PyStatement[];
  names: PyModuleNames;
  calls: PyCall[];
  byStatement: PyCall[][];
  bindings: Array<Binding | null>;
  /** Per statement: calls a decoder or holds an obfuscated literal. */
  decodes: boolean[];
  /** Per statement: calls the network. */
  fetches: boolean[];
}

export function hitAt(ctx: PyContext, offset: number, what: string): Hit {
  const line = lineAt(ctx.views.lineStarts, offset);
  return { line, excerpt: excerptOf(ctx.views.source, ctx.views.lineStarts, line), what };
}

export function callHit(ctx: PyContext, offset: number, what: string, st: PyStatement): CallHit {
  return { ...hitAt(ctx, offset, what), importTime: st.importTime, scope: st.scope, classScope: st.classScope };
}

