import { eq as versionsEqual, valid as validVersion } from '@renovatebot/pep440';
import { parse as parseToml } from 'smol-toml';
import { normalizeName } from '../core/pep503.js';
import { parsePkgInfo } from '../inspect/pkg-info.js';
import { safeText } from './excerpt.js';
import type { SdistFacts } from './collect.js';
import type { Emit, RawFinding } from './finding.js';
import { URL_REQUIREMENT } from './py-setup.js';
import { RULE_IDS as R } from './rules.js';
import type { Severity } from './types.js';

function sameVersion(a: string, b: string): boolean {
  if (a === b) return true;
  return validVersion(a) !== null && validVersion(b) !== null && versionsEqual(a, b);
}

/** Each line of `text` that `test` accepts, as a finding. */
function lineFindings(text: string, test: (line: string) => boolean, make: (line: string, n: number) => RawFinding): RawFinding[] {
  const out: RawFinding[] = [];
  for (const [i, line] of text.split(/\r?\n/).entries()) if (test(line)) out.push(make(line, i + 1));
  return out;
}

function pkgInfoFindings(facts: SdistFacts, pkg: { name: string; version: string }, emit: Emit): void {
  const text = facts.metadata.pkgInfo;
  const parsed = text === null ? null : parsePkgInfo(text);
  const pinned = `${pkg.name} ${pkg.version}`;
  if (parsed === null) {
    emit({ rule: R.pkgInfo, severity: 'block', file: 'PKG-INFO', line: 0, excerpt: '', message: `no top-level PKG-INFO with Name and Version; the lock pins ${pinned}` });
    return;
  }
  if (normalizeName(parsed.name) !== normalizeName(pkg.name) || !sameVersion(parsed.version, pkg.version)) {
    const line = text!.split(/\r?\n/).findIndex((l) => /^(?:name|version)\s*:/i.test(l)) + 1;
    emit({
      rule: R.pkgInfo,
      severity: 'block',
      file: 'PKG-INFO',
      line,
      excerpt: safeText(`Name: ${parsed.name} / Version: ${parsed.version}`),
      message: `PKG-INFO says ${safeText(parsed.name, 100)} ${safeText(parsed.version, 100)} but the lock pins ${pinned}`,
    });
  }
  const header = text!.split(/\r?\n\r?\n/)[0] ?? '';
  for (const f of lineFindings(header, (l) => /^Requires-Dist:/i.test(l) && URL_REQUIREMENT.test(l.replace(/^Requires-Dist:\s*/i, '')), (l, n) => ({
    rule: R.urlRequirement, severity: 'block', file: 'PKG-INFO', line: n, excerpt: safeText(l), message: 'the package metadata requires a direct URL',
  }))) emit(f);
}

function setupCfgFindings(text: string, emit: Emit): void {
  const keyed = (key: string, rule: string, severity: Severity, message: string): void => {
    for (const f of lineFindings(text, (l) => new RegExp(`^\\s*${key}\\s*=`).test(l), (l, n) => ({ rule, severity, file: 'setup.cfg', line: n, excerpt: safeText(l), message }))) emit(f);
  };
  keyed('setup_requires', R.setupRequires, 'warn', 'setup_requires asks setuptools to fetch build dependencies');
  keyed('dependency_links', R.dependencyLinks, 'warn', 'dependency_links name extra download locations');
  for (const f of lineFindings(text, (l) => URL_REQUIREMENT.test(l.replace(/^\s*\w+\s*=/, '')), (l, n) => ({
    rule: R.urlRequirement, severity: 'block', file: 'setup.cfg', line: n, excerpt: safeText(l), message: 'direct URL requirement in setup.cfg',
  }))) emit(f);
}

function pyprojectFindings(text: string, emit: Emit): void {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch {
    return;
  }
  const lines = text.split(/\r?\n/);
  const report = (req: string, where: string): void => {
    const n = lines.findIndex((l) => l.includes(req)) + 1;
    emit({ rule: R.urlRequirement, severity: 'block', file: 'pyproject.toml', line: n, excerpt: safeText(n > 0 ? (lines[n - 1] as string) : req), message: `direct URL requirement in ${where}` });
  };
  const reqs = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  const system = doc['build-system'] as Record<string, unknown> | undefined;
  for (const r of reqs(system?.requires)) if (URL_REQUIREMENT.test(r)) report(r, 'build-system.requires');
  const project = doc.project as Record<string, unknown> | undefined;
  for (const r of reqs(project?.dependencies)) if (URL_REQUIREMENT.test(r)) report(r, 'project.dependencies');
  const optional = (project?.['optional-dependencies'] ?? {}) as Record<string, unknown>;
  for (const [extra, list] of Object.entries(optional)) for (const r of reqs(list)) if (URL_REQUIREMENT.test(r)) report(r, `optional-dependencies.${extra}`);
  const poetry = ((doc.tool as Record<string, unknown> | undefined)?.poetry ?? {}) as Record<string, unknown>;
  for (const [name, spec] of Object.entries((poetry.dependencies ?? {}) as Record<string, unknown>)) {
    const table = spec as Record<string, unknown> | null;
    const source = table && typeof table === 'object' ? (table.git ?? table.url) : undefined;
    if (typeof source === 'string') report(source, `tool.poetry.dependencies.${name}`);
  }
}

const INDEX_OPTION = /^\s*(?:-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host)\b/;

/**
 * PKG-INFO against the lock, and the ways metadata can ask for dependencies
 * from elsewhere. `buildReads`: requirement files a build script names.
 */
export function judgeMetadata(facts: SdistFacts, pkg: { name: string; version: string }, buildReads: ReadonlySet<string>, emit: Emit): void {
  pkgInfoFindings(facts, pkg, emit);
  if (facts.metadata.setupCfg !== null) setupCfgFindings(facts.metadata.setupCfg, emit);
  if (facts.metadata.pyproject !== null) pyprojectFindings(facts.metadata.pyproject, emit);
  // A requirements file only matters when a build script reads it into the metadata.
  for (const req of facts.metadata.requirements.filter((r) => buildReads.has(r.path))) {
    const test = (l: string): boolean => INDEX_OPTION.test(l) || URL_REQUIREMENT.test(l) || /^\s*-e\s+\S*(?:git|hg|svn|bzr)\+/.test(l);
    for (const f of lineFindings(req.text, test, (l, n) => ({
      rule: R.urlRequirement, severity: 'warn', file: req.path, line: n, excerpt: safeText(l), message: 'requirements file points at a direct URL or another index',
    }))) emit(f);
  }
}
