import {
  DECODER_CALLS,
  DECODER_CODECS,
  EXEC_SINKS,
  hasObfuscatedLiteral,
  NETWORK_CALLS,
  NETWORK_MODULES,
  PROCESS_CALLS,
  moduleMatches,
  nameMatches,
} from './api-lists.js';
import { findEndpoints, findSocketTuples, type EndpointCategory } from './endpoints.js';
import { excerptOf } from './excerpt.js';
import { callsIn, dynamicImportsIn, moduleNames, type PyCall, type PyModuleNames } from './py-calls.js';
import { isProseAt, pythonStatements, statementAt, type PyStatement } from './py-statements.js';
import { binding, callsAfter, mentions, taintedNames, type Binding } from './py-taint.js';
import { lineAt, tokenizePython, type PyViews } from './py-tokenize.js';
import { describeRun, hiddenRuns, type HiddenKind } from './unicode.js';
import { credentialReads } from './py-credentials.js';
import { setupFacts, type SetupFacts } from './py-setup.js';

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

/** Everything the rules need to know about one Python file, found without running it. */
export interface PyFacts {
  network: Array<CallHit & { kind: 'call' | 'import' | 'shell' | 'pip' }>;
  process: CallHit[];
  execDecoded: Hit[];
  downloadExec: Hit[];
  credentials: Array<Hit & { scope: number }>;
  endpoints: Array<Hit & { category: EndpointCategory }>;
  hidden: Array<Hit & { kind: HiddenKind; context: 'code' | 'string' | 'comment'; run: number; benignJoiner: boolean; prose: boolean }>;
  setup: SetupFacts;
  /** Top-level names of the modules it imports (absolute imports only). */
  importedModules: string[];
  /** Base names of requirement-like files its string literals name (`requirements.txt`). */
  referencedFiles: string[];
}

const SHELL_FETCH =
  /\b(?:curl|wget)\s+(?:-{1,2}[\w-]+(?:[ =]\S+)?\s+)*['"]?(?:https?|ftp):\/\/|\b(?:Invoke-WebRequest|iwr|Invoke-RestMethod|irm)\s+(?:-Uri\s+)?['"]?https?:\/\/|\.Download(?:String|File|Data)\s*\(|certutil(?:\.exe)?\s+-urlcache|bitsadmin(?:\.exe)?\s+\/transfer/i;
export const SHELL_DOWNLOAD_EXEC: readonly RegExp[] = [
  /\b(?:curl|wget)\b[^|;&\n]*\|\s*(?:sudo\s+)?(?:ba|z|da|k|c)?sh\b/,
  /\b(?:curl|wget)\b[^\n]*&&[^\n]*(?:\bsh\b|\bbash\b|chmod\s+[+0-7]*x|\.\/)/,
  /\b(?:curl|wget)\b[^|;&\n]*\|\s*python[23]?\b/,
  /(?:DownloadString|DownloadFile|Invoke-WebRequest|\biwr\b)[\s\S]*\b(?:iex|Invoke-Expression|Start-Process)\b/i,
  /\bcertutil(?:\.exe)?\s+-urlcache\b/i,
];
const REQUIREMENTS_FILE = /^[\w./-]*requirements[\w.-]*\.txt$/i;
const PIP_MAIN = new Set(['pip.main', 'pip._internal.main', 'pip._internal.cli.main.main']);
const PIP_NETWORK = /['"]pip[23]?['"]\s*,\s*['"](?:install|download|wheel)['"]|\bpip[23]?\s+(?:install|download|wheel)\b/;

function isNetworkImport(imp: { module: string; names: string[] | null }): boolean {
  if (imp.names === null) return moduleMatches(imp.module, NETWORK_MODULES);
  if (!moduleMatches(imp.module, NETWORK_MODULES)) return false;
  return imp.names.some((n) => n === '*' || nameMatches(`${imp.module}.${n}`, NETWORK_CALLS) || imp.module === 'socket');
}

interface Context {
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

function hitAt(ctx: Context, offset: number, what: string): Hit {
  const line = lineAt(ctx.views.lineStarts, offset);
  return { line, excerpt: excerptOf(ctx.views.source, ctx.views.lineStarts, line), what };
}

function callHit(ctx: Context, offset: number, what: string, st: PyStatement): CallHit {
  return { ...hitAt(ctx, offset, what), importTime: st.importTime, scope: st.scope, classScope: st.classScope };
}

function decodedFrom(ctx: Context, index: number, from: number, tainted: ReadonlySet<string>): string | undefined {
  const st = ctx.statements[index] as PyStatement;
  const call = callsAfter(ctx.byStatement[index] ?? [], index, from).find((c) => nameMatches(c.name, DECODER_CALLS));
  if (call) return call.name;
  const rel = from - st.start;
  const code = st.code.slice(rel);
  if (hasObfuscatedLiteral(code)) return 'obfuscated literal';
  if (DECODER_CODECS.test(st.bare.slice(rel))) return 'codec decode';
  const name = mentions(code, tainted, st.scope);
  return name === undefined ? undefined : `${name} (decoded data)`;
}

function isDecoderStatement(st: PyStatement, calls: readonly PyCall[]): boolean {
  return calls.some((c) => nameMatches(c.name, DECODER_CALLS)) || hasObfuscatedLiteral(st.code) || DECODER_CODECS.test(st.bare);
}

/** Path-like literals and `open(x` targets of a download statement: where the payload lands. */
function downloadTargets(st: PyStatement): string[] {
  const targets: string[] = [];
  for (const m of st.code.matchAll(/\bopen\s*\(\s*([A-Za-z_]\w*)/g)) targets.push(m[1] as string);
  for (const m of st.code.matchAll(/\burlretrieve\s*\([^,]+,\s*([A-Za-z_]\w*)/g)) targets.push(m[1] as string);
  return targets;
}

function pathLiterals(st: PyStatement): string[] {
  return [...st.bare.matchAll(/['"]([^'"\s]*[/\\][^'"\s]*\.[\w]+|[\w-]+\.(?:sh|exe|py|bin|ps1|bat|so|dll|elf))['"]/g)]
    .map((m) => m[1] as string)
    .filter((p) => !/^\w+:\/\//.test(p));
}

function sinkCalls(ctx: Context, index: number): PyCall[] {
  return (ctx.byStatement[index] ?? []).filter((c) => nameMatches(c.name, EXEC_SINKS) || nameMatches(c.name, PROCESS_CALLS));
}

function findDownloadExec(ctx: Context): Hit[] {
  const hits: Hit[] = [];
  const tainted = taintedNames(ctx.statements, ctx.bindings, (i) => ctx.fetches[i] === true, (st) => downloadTargets(st));
  const landed = new Set(ctx.statements.flatMap((st, i) => (ctx.fetches[i] ? pathLiterals(st) : [])));
  for (const [index, st] of ctx.statements.entries()) {
    for (const sink of sinkCalls(ctx, index)) {
      const rest = st.code.slice(sink.argsFrom - st.start);
      const fetch = callsAfter(ctx.byStatement[index] ?? [], index, sink.argsFrom).find((c) => nameMatches(c.name, NETWORK_CALLS));
      const name = fetch ? undefined : mentions(rest, tainted, st.scope);
      const path = fetch || name ? undefined : [...landed].find((p) => st.bare.includes(p));
      const via = fetch?.name ?? (name ? `${name} (downloaded data)` : path ? `${path} (downloaded file)` : undefined);
      if (via) hits.push(hitAt(ctx, sink.offset, `${sink.name}(${via})`));
    }
  }
  for (const s of ctx.views.strings) {
    const re = SHELL_DOWNLOAD_EXEC.find((r) => r.test(s.body));
    if (re && !isProseAt(ctx.statements, s.start)) hits.push(hitAt(ctx, s.start, 'shell download piped to an interpreter'));
  }
  return hits;
}

function findExecDecoded(ctx: Context): Hit[] {
  const hits: Hit[] = [];
  const tainted = taintedNames(ctx.statements, ctx.bindings, (i) => ctx.decodes[i] === true);
  for (const [index] of ctx.statements.entries()) {
    for (const sink of ctx.byStatement[index] ?? []) {
      if (!nameMatches(sink.name, EXEC_SINKS) && !nameMatches(sink.name, PROCESS_CALLS)) continue;
      const source = decodedFrom(ctx, index, sink.argsFrom, tainted);
      if (source) hits.push(hitAt(ctx, sink.offset, `${sink.name}(${source})`));
    }
  }
  return hits;
}

function findNetwork(ctx: Context): PyFacts['network'] {
  const found: PyFacts['network'] = [];
  for (const call of ctx.calls) {
    const st = ctx.statements[call.statement] as PyStatement;
    if (nameMatches(call.name, NETWORK_CALLS) || PIP_MAIN.has(call.name)) {
      found.push({ ...callHit(ctx, call.offset, call.name, st), kind: call.name.startsWith('pip') ? 'pip' : 'call' });
    }
  }
  for (const imp of ctx.names.imports) {
    const st = ctx.statements[imp.statement] as PyStatement;
    if (isNetworkImport(imp)) found.push({ ...callHit(ctx, st.start, `import ${imp.module}`, st), kind: 'import' });
  }
  for (const [index, st] of ctx.statements.entries()) {
    for (const module of dynamicImportsIn(st)) {
      if (moduleMatches(module, NETWORK_MODULES)) found.push({ ...callHit(ctx, st.start, `__import__(${module})`, st), kind: 'import' });
    }
    const runsProcess = (ctx.byStatement[index] ?? []).some((c) => nameMatches(c.name, PROCESS_CALLS));
    if (runsProcess && PIP_NETWORK.test(st.bare)) found.push({ ...callHit(ctx, st.start, 'pip install', st), kind: 'pip' });
  }
  for (const s of ctx.views.strings) {
    if (SHELL_FETCH.test(s.body) && !isProseAt(ctx.statements, s.start)) {
      const index = statementAt(ctx.statements, s.start);
      const st = ctx.statements[index];
      if (st) found.push({ ...callHit(ctx, s.start, 'shell download command', st), kind: 'shell' });
    }
  }
  return found;
}

function findEndpointHits(ctx: Context): PyFacts['endpoints'] {
  const hits: PyFacts['endpoints'] = [];
  for (const s of ctx.views.strings) {
    if (!/[./]/.test(s.body)) continue;
    const found = findEndpoints(s.body);
    if (found.length === 0 || isProseAt(ctx.statements, s.start)) continue;
    for (const e of found) hits.push({ ...hitAt(ctx, s.start + e.index, e.text), category: e.category });
  }
  for (const st of ctx.statements) {
    for (const e of findSocketTuples(st.bare)) hits.push({ ...hitAt(ctx, st.start + e.index, e.text), category: e.category });
  }
  return hits;
}

function findHidden(ctx: Context): PyFacts['hidden'] {
  const { source, code, bare } = ctx.views;
  return hiddenRuns(source).map((run) => {
    const context = code[run.offset] === source[run.offset] ? 'code' : bare[run.offset] === source[run.offset] ? 'string' : 'comment';
    const prose = context === 'comment' || (context === 'string' && isProseAt(ctx.statements, run.offset));
    return { ...hitAt(ctx, run.offset, describeRun(source, run)), kind: run.kind, context, run: run.length, benignJoiner: run.benignJoiner, prose };
  });
}

/** Read one Python (or Cython) file for every fact the rules use. */
export function pythonFacts(source: string): PyFacts {
  const views = tokenizePython(source);
  const statements = pythonStatements(views);
  const names = moduleNames(statements);
  const byStatement = statements.map((st, i) => callsIn(st, i, names));
  const ctx: Context = {
    views,
    statements,
    names,
    calls: byStatement.flat(),
    byStatement,
    bindings: statements.map(binding),
    decodes: statements.map((st, i) => isDecoderStatement(st, byStatement[i] ?? [])),
    fetches: byStatement.map((calls) => calls.some((c) => nameMatches(c.name, NETWORK_CALLS))),
  };
  return {
    network: findNetwork(ctx),
    process: ctx.calls
      .filter((c) => nameMatches(c.name, PROCESS_CALLS))
      .map((c) => callHit(ctx, c.offset, c.name, statements[c.statement] as PyStatement)),
    execDecoded: findExecDecoded(ctx),
    downloadExec: findDownloadExec(ctx),
    credentials: credentialReads(views, statements, ctx.calls).map((c) => ({ ...hitAt(ctx, c.offset, c.what), scope: c.scope })),
    endpoints: findEndpointHits(ctx),
    hidden: findHidden(ctx),
    setup: setupFacts(views, statements, names, (offset, what) => hitAt(ctx, offset, what)),
    referencedFiles: [
      ...new Set(views.strings.filter((s) => s.body.length < 200 && REQUIREMENTS_FILE.test(s.body)).map((s) => s.body.split('/').pop() as string)),
    ],
    importedModules: [...new Set(names.imports.filter((i) => !i.module.startsWith('.')).map((i) => i.module.split('.')[0] as string))],
  };
}
