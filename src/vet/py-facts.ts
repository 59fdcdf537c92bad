import { NETWORK_CALLS, NETWORK_MODULES, PROCESS_CALLS } from './api-lists.js';
import { moduleMatches, nameMatches } from './api-match.js';
import { findEndpoints, findSocketTuples, type EndpointCategory } from './endpoints.js';
import { callHit, hitAt, type CallHit, type Hit, type PyContext } from './py-context.js';
import { findDownloadExec, findExecDecoded, isDecoderStatement } from './py-exec.js';
import { hasShellFetch } from './shell.js';
import { callsIn, dynamicImportsIn, moduleNames } from './py-calls.js';
import { isProseAt, pythonStatements, statementAt, type PyStatement } from './py-statements.js';
import { binding } from './py-taint.js';
import { tokenizePython } from './py-tokenize.js';
import { describeRun, hiddenRuns, type HiddenKind } from './unicode.js';
import { credentialReads } from './py-credentials.js';
import { setupFacts, type SetupFacts } from './py-setup.js';

export type { CallHit, Hit } from './py-context.js';

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

const REQUIREMENTS_FILE = /^[\w./-]*requirements[\w.-]*\.txt$/i;
const PIP_MAIN = new Set(['pip.main', 'pip._internal.main', 'pip._internal.cli.main.main']);
const PIP_NETWORK = /['"]pip[23]?['"]\s*,\s*['"](?:install|download|wheel)['"]|\bpip[23]?\s+(?:install|download|wheel)\b/;

function isNetworkImport(imp: { module: string; names: string[] | null }): boolean {
  if (imp.names === null) return moduleMatches(imp.module, NETWORK_MODULES);
  if (!moduleMatches(imp.module, NETWORK_MODULES)) return false;
  return imp.names.some((n) => n === '*' || nameMatches(`${imp.module}.${n}`, NETWORK_CALLS) || imp.module === 'socket');
}

function findNetwork(ctx: PyContext): PyFacts['network'] {
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
    if (hasShellFetch(s.body) && !isProseAt(ctx.statements, s.start)) {
      const index = statementAt(ctx.statements, s.start);
      const st = ctx.statements[index];
      if (st) found.push({ ...callHit(ctx, s.start, 'shell download command', st), kind: 'shell' });
    }
  }
  return found;
}

function findEndpointHits(ctx: PyContext): PyFacts['endpoints'] {
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

function findHidden(ctx: PyContext): PyFacts['hidden'] {
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
  const ctx: PyContext = {
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
