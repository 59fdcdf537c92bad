import type { NameList } from './api-lists.js';

const DECODER_PATTERNS: readonly RegExp[] = [
  /\bjoin\s*\(\s*(?:map\s*\(\s*chr\b|\[?\s*chr\s*\()/,
  /\bmap\s*\(\s*chr\s*,/,
  /\b(?:bytes|bytearray)\s*\(\s*\[\s*\d+\s*,\s*\d+\s*,/,
];
const REVERSED = /\[\s*::\s*-1\s*\]/g;

/**
 * Obfuscation in the code view that is not a plain call: chr joins, byte
 * lists, and a string literal reversed with `[::-1]`. The reversal is found
 * from the slice backwards: a regex starting at the quote would backtrack over
 * every blanked string body.
 */
export function hasObfuscatedLiteral(code: string): boolean {
  if (DECODER_PATTERNS.some((re) => re.test(code))) return true;
  for (const m of code.matchAll(REVERSED)) {
    let i = m.index - 1;
    while (i >= 0 && /\s/.test(code[i] as string)) i--;
    if (code[i] === ')') i--;
    while (i >= 0 && /\s/.test(code[i] as string)) i--;
    if (code[i] === '"' || code[i] === "'") return true;
  }
  return false;
}

/** In the bare view: `.decode('hex')`, `codecs.decode(x, 'rot13')` and friends. */
export const DECODER_CODECS = /\.decode\s*\(\s*['"](?:hex|hex_codec|base64|base64_codec|rot13|rot_13|zlib|zlib_codec|bz2|uu)['"]|['"](?:rot13|rot_13|hex_codec|base64_codec|zlib_codec)['"]/;

const compiled = new WeakMap<NameList, { exact: Set<string>; prefixes: string[] }>();

/** Whether a qualified name is on a list; lists are indexed on first use. */
export function nameMatches(name: string, list: NameList): boolean {
  let index = compiled.get(list);
  if (!index) {
    index = {
      exact: new Set(list.filter((e) => !e.endsWith('.*'))),
      prefixes: list.filter((e) => e.endsWith('.*')).map((e) => e.slice(0, -1)),
    };
    compiled.set(list, index);
  }
  return index.exact.has(name) || index.prefixes.some((p) => name.startsWith(p));
}

export function moduleMatches(module: string, list: NameList): boolean {
  return list.some((entry) => module === entry || module.startsWith(`${entry}.`));
}
