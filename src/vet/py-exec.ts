import { DECODER_CALLS, EXEC_SINKS, NETWORK_CALLS, PROCESS_CALLS } from './api-lists.js';
import { DECODER_CODECS, hasObfuscatedLiteral, nameMatches } from './api-match.js';
import { hitAt, type Hit, type PyContext } from './py-context.js';
import type { PyCall } from './py-calls.js';
import { isProseAt, type PyStatement } from './py-statements.js';
import { callsAfter, mentions, taintedNames } from './py-taint.js';
import { hasShellDownloadExec } from './shell.js';

function decodedFrom(ctx: PyContext, index: number, from: number, tainted: ReadonlySet<string>): string | undefined {
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

export function isDecoderStatement(st: PyStatement, calls: readonly PyCall[]): boolean {
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

/**
 * The first call in a statement that runs code or a process. Data flowing into
 * any later sink also follows this one, so one look from here covers them all
 * (and a statement of a million sinks costs one scan, not a million).
 */
function firstSink(ctx: PyContext, index: number): PyCall | undefined {
  return (ctx.byStatement[index] ?? []).find((c) => nameMatches(c.name, EXEC_SINKS) || nameMatches(c.name, PROCESS_CALLS));
}

/** Sinks fed by a download: in the same expression, through a variable, or through the file it was saved to. */
export function findDownloadExec(ctx: PyContext): Hit[] {
  const hits: Hit[] = [];
  const tainted = taintedNames(ctx.statements, ctx.bindings, (i) => ctx.fetches[i] === true, (st) => downloadTargets(st));
  const landed = [...new Set(ctx.statements.flatMap((st, i) => (ctx.fetches[i] ? pathLiterals(st) : [])))];
  for (const [index, st] of ctx.statements.entries()) {
    const sink = firstSink(ctx, index);
    if (!sink) continue;
    const fetch = callsAfter(ctx.byStatement[index] ?? [], index, sink.argsFrom).find((c) => nameMatches(c.name, NETWORK_CALLS));
    const name = fetch ? undefined : mentions(st.code.slice(sink.argsFrom - st.start), tainted, st.scope);
    const path = fetch || name ? undefined : landed.find((p) => st.bare.includes(p));
    const via = fetch?.name ?? (name ? `${name} (downloaded data)` : path ? `${path} (downloaded file)` : undefined);
    if (via) hits.push(hitAt(ctx, sink.offset, `${sink.name}(${via})`));
  }
  for (const s of ctx.views.strings) {
    if (hasShellDownloadExec(s.body) && !isProseAt(ctx.statements, s.start)) hits.push(hitAt(ctx, s.start, 'shell download piped to an interpreter'));
  }
  return hits;
}

/** exec/eval/compile (or a process) whose arguments come from a decoder, an obfuscated literal or decoded variables. */
export function findExecDecoded(ctx: PyContext): Hit[] {
  const hits: Hit[] = [];
  const tainted = taintedNames(ctx.statements, ctx.bindings, (i) => ctx.decodes[i] === true);
  for (const index of ctx.statements.keys()) {
    const sink = firstSink(ctx, index);
    const source = sink && decodedFrom(ctx, index, sink.argsFrom, tainted);
    if (sink && source) hits.push(hitAt(ctx, sink.offset, `${sink.name}(${source})`));
  }
  return hits;
}
