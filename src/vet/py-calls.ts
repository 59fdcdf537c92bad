import type { PyStatement } from './py-statements.js';

/** A call site with its callee resolved through the file's imports, e.g. `sp.Popen` → `subprocess.Popen`. */
export interface PyCall {
  name: string;
  /** Absolute offset of the callee's first character. */
  offset: number;
  /** Offset just past the opening parenthesis. */
  argsFrom: number;
  statement: number;
}

export interface PyImport {
  module: string;
  /** Imported names for `from M import …`; `null` for `import M`; `['*']` for star imports. */
  names: string[] | null;
  statement: number;
}

export interface PyModuleNames {
  /** Local name → qualified name. */
  aliases: Map<string, string>;
  imports: PyImport[];
  /** Names the file defines itself (def, class), which shadow builtins such as `compile`. */
  localDefs: Set<string>;
}

const COMPAT_PREFIXES: Array<[string, string]> = [
  ['six.moves.urllib.', 'urllib.'],
  ['six.moves.urllib_request.', 'urllib.request.'],
  ['six.moves.', ''],
  ['future.moves.', ''],
  ['future.standard_library.', ''],
  ['builtins.', ''],
  ['__builtin__.', ''],
  ['__builtins__.', ''],
];

export function normaliseQualified(name: string): string {
  for (const [prefix, replacement] of COMPAT_PREFIXES) {
    if (name.startsWith(prefix)) return replacement + name.slice(prefix.length);
  }
  return name;
}

const IMPORT = /^import\s+(.+)$/s;
const FROM_IMPORT = /^from\s+(\.*[\w.]*)\s+import\s+(.+)$/s;
const DYNAMIC_ALIAS = /^([A-Za-z_]\w*)\s*=\s*(?:__import__|(?:importlib\s*\.\s*)?import_module)\s*\(\s*(['"])([\w.]+)\2\s*\)\s*$/;
const PLAIN_ALIAS = /^([A-Za-z_]\w*)\s*=\s*([A-Za-z_]\w*(?:\s*\.\s*[A-Za-z_]\w*)+)\s*$/;
const DEFINES = /^(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)/;

function stripParens(list: string): string {
  return list.replace(/[()]/g, ' ');
}

/** Imports, aliases and local definitions of a file, from its statements. */
export function moduleNames(statements: readonly PyStatement[]): PyModuleNames {
  const aliases = new Map<string, string>();
  const imports: PyImport[] = [];
  const localDefs = new Set<string>();
  for (const [index, st] of statements.entries()) {
    const code = st.code.trim().replace(/\s+/g, ' ');
    const defined = DEFINES.exec(code);
    if (defined) localDefs.add(defined[1] as string);
    const plain = IMPORT.exec(code);
    if (plain) {
      for (const part of (plain[1] as string).split(',')) {
        const [module, , local] = part.trim().split(/\s+/);
        if (!module || !/^[\w.]+$/.test(module)) continue;
        imports.push({ module: normaliseQualified(module), names: null, statement: index });
        if (local) aliases.set(local, normaliseQualified(module));
        else aliases.set(module.split('.')[0] as string, module.split('.')[0] as string);
      }
      continue;
    }
    const from = FROM_IMPORT.exec(code);
    if (from) {
      const module = normaliseQualified(from[1] as string);
      const names: string[] = [];
      for (const part of stripParens(from[2] as string).split(',')) {
        const [name, , local] = part.trim().split(/\s+/);
        if (!name) continue;
        names.push(name);
        if (name !== '*') aliases.set(local ?? name, normaliseQualified(`${module}.${name}`));
      }
      imports.push({ module, names, statement: index });
      continue;
    }
    const bare = st.bare.trim();
    const dynamic = DYNAMIC_ALIAS.exec(bare);
    if (dynamic) {
      aliases.set(dynamic[1] as string, normaliseQualified(dynamic[3] as string));
      imports.push({ module: normaliseQualified(dynamic[3] as string), names: null, statement: index });
      continue;
    }
    const alias = PLAIN_ALIAS.exec(code);
    if (alias) {
      const dotted = (alias[2] as string).replace(/\s+/g, '');
      const head = dotted.slice(0, dotted.indexOf('.'));
      if (aliases.has(head)) aliases.set(alias[1] as string, resolveName(dotted, { aliases, imports, localDefs }));
    }
  }
  return { aliases, imports, localDefs };
}

/** A dotted name as the file means it: the head through its aliases, compatibility shims removed. */
export function resolveName(dotted: string, names: PyModuleNames): string {
  const dot = dotted.indexOf('.');
  const head = dot === -1 ? dotted : dotted.slice(0, dot);
  const rest = dot === -1 ? '' : dotted.slice(dot);
  const target = names.aliases.get(head);
  if (target !== undefined) return normaliseQualified(target + rest);
  if (dot === -1 && names.localDefs.has(head)) return `<local>.${head}`;
  return normaliseQualified(dotted);
}

const CALL = /(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)[ \t]*\(/g;
const PY2_EXEC = /^exec\s+(?![=(.\s])/;
const DYNAMIC_ATTR_CALL = /(?:__import__|import_module)\s*\(\s*(['"])([\w.]+)\1\s*\)\s*\.\s*(\w+)\s*\(/g;
const GETATTR_DYNAMIC =
  /getattr\s*\(\s*(?:__import__|(?:importlib\s*\.\s*)?import_module)\s*\(\s*(['"])([\w.]+)\1\s*\)\s*,\s*(['"])(\w+)\3\s*\)\s*\(/g;
const GETATTR_NAME = /getattr\s*\(\s*([A-Za-z_][\w.]*)\s*,\s*(['"])(\w+)\2\s*\)\s*\(/g;

/** Every call in a statement, callee resolved; dynamic `__import__('m').f(` and `getattr(m, 'f')(` included. */
export function callsIn(st: PyStatement, index: number, names: PyModuleNames): PyCall[] {
  const calls: PyCall[] = [];
  for (const m of st.code.matchAll(CALL)) {
    const dotted = (m[1] as string).replace(/\s+/g, '');
    calls.push({ name: resolveName(dotted, names), offset: st.start + m.index, argsFrom: st.start + m.index + m[0].length, statement: index });
  }
  if (PY2_EXEC.test(st.code.trimStart())) {
    calls.push({ name: 'exec', offset: st.start, argsFrom: st.start + 4, statement: index });
  }
  for (const m of st.bare.matchAll(DYNAMIC_ATTR_CALL)) {
    const name = normaliseQualified(`${m[2]}.${m[3]}`);
    calls.push({ name, offset: st.start + m.index, argsFrom: st.start + m.index + m[0].length, statement: index });
  }
  for (const m of st.bare.matchAll(GETATTR_DYNAMIC)) {
    const name = normaliseQualified(`${m[2]}.${m[4]}`);
    calls.push({ name, offset: st.start + m.index, argsFrom: st.start + m.index + m[0].length, statement: index });
  }
  for (const m of st.bare.matchAll(GETATTR_NAME)) {
    const name = resolveName(`${m[1]}.${m[3]}`, names);
    calls.push({ name, offset: st.start + m.index, argsFrom: st.start + m.index + m[0].length, statement: index });
  }
  return calls;
}

/** Modules a statement imports dynamically by literal name: `__import__('socket')`, `import_module("os")`. */
export function dynamicImportsIn(st: PyStatement): string[] {
  const found: string[] = [];
  for (const m of st.bare.matchAll(/(?:__import__|import_module)\s*\(\s*(['"])([\w.]+)\1/g)) found.push(normaliseQualified(m[2] as string));
  return found;
}
