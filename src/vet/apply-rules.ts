import type { SdistFacts } from './collect.js';
import { buildFilesFromPyproject, fileRole, type FileRole } from './file-roles.js';
import type { RawFinding } from './finding.js';
import { judgeBinary, judgeText } from './file-rules.js';
import { judgeMetadata } from './metadata-rules.js';
import { judgePython } from './python-rules.js';

/** More than this many findings of one rule in one file are summarised in the last one. */
export const MAX_PER_RULE_AND_FILE = 20;

/** Top-level modules a build script imports are part of the build too (versioneer.py, a local helper). */
function buildFiles(facts: SdistFacts): Set<string> {
  const files = buildFilesFromPyproject(facts.metadata.pyproject);
  const present = new Set(facts.files.map((f) => f.path));
  for (const f of facts.files) {
    if (!files.has(f.path) || !f.python) continue;
    for (const module of f.python.importedModules) {
      const local = `${module}.py`;
      if (present.has(local)) files.add(local);
    }
  }
  return files;
}

function cap(findings: RawFinding[]): RawFinding[] {
  const counts = new Map<string, RawFinding[]>();
  for (const f of findings) {
    const key = `${f.rule}\0${f.file}`;
    const list = counts.get(key) ?? [];
    list.push(f);
    counts.set(key, list);
  }
  const out: RawFinding[] = [];
  for (const list of counts.values()) {
    const kept = list.slice(0, MAX_PER_RULE_AND_FILE);
    const extra = list.length - kept.length;
    if (extra > 0) {
      const last = kept[kept.length - 1] as RawFinding;
      const worst = list.some((f) => f.severity === 'block') ? 'block' : last.severity;
      kept[kept.length - 1] = { ...last, severity: worst, message: `${last.message} (and ${extra} more like it in this file)` };
    }
    out.push(...kept);
  }
  return out;
}

function dedupe(findings: RawFinding[]): RawFinding[] {
  const seen = new Map<string, RawFinding>();
  for (const f of findings) {
    const key = `${f.rule}\0${f.file}\0${f.line}`;
    const prior = seen.get(key);
    if (!prior || (prior.severity === 'warn' && f.severity === 'block')) seen.set(key, f);
  }
  return [...seen.values()];
}

export function compareFindings(a: RawFinding, b: RawFinding): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  if (a.line !== b.line) return a.line - b.line;
  if (a.rule !== b.rule) return a.rule < b.rule ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** Turn an sdist's facts into findings: pure, deterministic, sorted by file, line and rule. */
export function judgeFacts(facts: SdistFacts, pkg: { name: string; version: string }): RawFinding[] {
  const found: RawFinding[] = [];
  const emit = (f: RawFinding): void => {
    found.push(f);
  };
  const build = buildFiles(facts);
  const paths = new Set(facts.files.map((f) => f.path));
  for (const file of facts.files) {
    const role: FileRole = fileRole(file.path, build);
    judgePython(file, role, emit);
    judgeText(file, role, emit);
    judgeBinary(file, role, paths, emit);
  }
  const buildReads = new Set(facts.files.filter((f) => build.has(f.path)).flatMap((f) => f.python?.referencedFiles ?? []));
  judgeMetadata(facts, pkg, buildReads, emit);
  return cap(dedupe(found).sort(compareFindings));
}
