import { findEndpoints, type EndpointCategory } from './endpoints.js';
import { excerptOf } from './excerpt.js';
import type { Hit } from './py-facts.js';
import { hasShellDownloadExec } from './shell.js';
import { lineAt, lineStartsOf } from './py-tokenize.js';
import { describeRun, hiddenRuns, type HiddenKind } from './unicode.js';

/** How a non-Python text file is read. */
export type TextKind = 'pth' | 'code' | 'script' | 'config' | 'doc';

export interface TextFacts {
  kind: TextKind;
  pthExec: Hit[];
  endpoints: Array<Hit & { category: EndpointCategory }>;
  hidden: Array<Hit & { kind: HiddenKind; run: number; benignJoiner: boolean }>;
  downloadExec: Hit[];
}

const CODE = /\.(?:c|h|cc|cpp|cxx|hpp|hh|hxx|m|mm|rs|go|js|mjs|cjs|ts|java|f|f90|f95|cu|cuh|swift|zig)$/i;
const SCRIPT = /(?:\.(?:sh|bash|zsh|ksh|bat|cmd|ps1|mk)|(?:^|\/)(?:GNUmakefile|makefile|Makefile))$/;
const CONFIG = /(?:\.(?:cfg|toml|ini|ya?ml|json|in|cmake)|(?:^|\/)(?:CMakeLists\.txt|meson\.build|meson_options\.txt|requirements[\w.-]*\.txt))$/i;
export const PYTHON = /\.(?:py|pyw|pyi|pyx|pxd|pxi)$/i;

/** The text kind of a path, or null when its content is not read (documentation, data). */
export function textKindOf(path: string): TextKind | null {
  if (/\.pth$/i.test(path)) return 'pth';
  if (CODE.test(path)) return 'code';
  if (SCRIPT.test(path)) return 'script';
  if (CONFIG.test(path)) return 'config';
  return null;
}

/** site.py executes a .pth line that starts with `import ` or `import\t`; every other line is a path. */
const PTH_EXEC = /^import[ \t]/;

export function textFacts(text: string, kind: TextKind): TextFacts {
  const starts = lineStartsOf(text);
  const hitAt = (offset: number, what: string): Hit => {
    const line = lineAt(starts, offset);
    return { line, excerpt: excerptOf(text, starts, line), what };
  };
  const facts: TextFacts = { kind, pthExec: [], endpoints: [], hidden: [], downloadExec: [] };
  if (kind === 'pth') {
    for (const [i, start] of starts.entries()) {
      const end = starts[i + 1] ?? text.length;
      if (PTH_EXEC.test(text.slice(start, Math.min(end, start + 8)))) facts.pthExec.push(hitAt(start, 'import line'));
    }
  }
  for (const e of findEndpoints(text)) facts.endpoints.push({ ...hitAt(e.index, e.text), category: e.category });
  for (const run of hiddenRuns(text)) {
    facts.hidden.push({ ...hitAt(run.offset, describeRun(text, run)), kind: run.kind, run: run.length, benignJoiner: run.benignJoiner });
  }
  if (kind === 'script' || kind === 'pth') {
    for (const [i, start] of starts.entries()) {
      const line = text.slice(start, starts[i + 1] ?? text.length);
      if (hasShellDownloadExec(line)) facts.downloadExec.push(hitAt(start, 'download piped to an interpreter'));
    }
  }
  return facts;
}
