import { BYTECODE_NAME, NATIVE_NAME, sourceOfBytecode } from './binary.js';
import type { FileFacts } from './collect.js';
import type { FileRole } from './file-roles.js';
import { byRole, fromHit, type Emit } from './finding.js';
import { ENDPOINT_LABEL, HIDDEN_RUN } from './python-rules.js';
import { RULE_IDS as R } from './rules.js';
import type { Severity } from './types.js';

const FORMAT_NAME = { elf: 'ELF', pe: 'PE (Windows)', 'mach-o': 'Mach-O' } as const;

function whole(rule: string, severity: Severity, file: string, message: string): Parameters<Emit>[0] {
  return { rule, severity, file, line: 0, excerpt: '', message };
}

/** Bundled, disguised and bytecode-only binaries. `paths` is every file in the sdist. */
export function judgeBinary(file: FileFacts, role: FileRole, paths: ReadonlySet<string>, emit: Emit): void {
  // Test data and doc assets neither build nor ship; only what the build or the wheel can use is judged.
  if (role === 'aux') return;
  const nativeName = NATIVE_NAME.test(file.path);
  if (file.executable !== null) {
    const format = FORMAT_NAME[file.executable];
    if (nativeName) emit(whole(R.binary, 'warn', file.path, `bundled ${format} binary`));
    else emit(whole(R.binary, 'block', file.path, `${format} binary under a name that does not say so (disguised binary)`));
  } else if (nativeName && file.binaryData && file.size > 0) {
    emit(whole(R.binary, 'warn', file.path, 'bundled binary (by name)'));
  }
  if (BYTECODE_NAME.test(file.path)) {
    const source = sourceOfBytecode(file.path);
    if (paths.has(source)) {
      emit(whole(R.binary, 'warn', file.path, `compiled bytecode shipped next to ${source}; Python may run it instead of the source`));
    } else {
      emit(whole(R.binary, 'block', file.path, 'compiled bytecode without its source'));
    }
  }
}

/** .pth start-up code, endpoints, hidden characters and download-exec in non-Python text. */
/** Compiled into the extension by the build: Trojan Source there is as bad as in Python. */
const COMPILED = /\.(?:c|h|cc|cpp|cxx|hpp|hh|hxx|m|mm|rs|cu|cuh|f|f90|f95)$/i;

/**
 * .pth start-up code, and in scripts and configuration: endpoints, hidden
 * characters and download-exec. Tests, docs and tooling are skipped (except
 * a .pth, which is never inert), and so are endpoints in other source files,
 * where they are mostly links in comments.
 */
export function judgeText(file: FileFacts, role: FileRole, emit: Emit): void {
  const text = file.text;
  if (!text) return;
  for (const hit of text.pthExec) emit(fromHit(R.pthExec, byRole('block', role), file.path, hit, '.pth line runs code at every interpreter start-up'));
  if (role === 'aux' && text.kind !== 'pth') return;
  for (const hit of text.downloadExec) emit(fromHit(R.downloadExec, 'warn', file.path, hit, 'script pipes a download into an interpreter'));
  if (text.kind === 'script' || text.kind === 'config') {
    for (const hit of text.endpoints) emit(fromHit(R.endpoint, 'warn', file.path, hit, `${text.kind} file names a ${ENDPOINT_LABEL[hit.category]}: ${hit.what}`));
  }
  for (const h of text.hidden) {
    if (text.kind === 'pth') {
      emit(fromHit(R.hiddenUnicode, 'block', file.path, h, `hidden characters in a .pth file: ${h.what}`));
    } else if (h.kind === 'bidi') {
      const severity = COMPILED.test(file.path) || text.kind === 'script' ? 'block' : 'warn';
      emit(fromHit(R.hiddenUnicode, severity, file.path, h, `bidirectional control characters in a ${text.kind} file: ${h.what}`));
    } else if (h.run >= HIDDEN_RUN && text.kind !== 'config') {
      emit(fromHit(R.hiddenUnicode, 'warn', file.path, h, `a run of ${h.run} invisible characters: ${h.what}`));
    }
  }
}
