import { parse } from 'smol-toml';
import { HbuildError } from '../core/errors.js';
import { parseRequirement, RequirementError } from '../core/requirement.js';

/** How pip would build an sdist: PEP 518 requirements and the PEP 517 backend. */
export interface BuildSystem {
  /** Static build requirements (PEP 508 strings, as written). */
  requires: string[];
  /** `module:object` as pyproject.toml names it, or setuptools' legacy backend. */
  backend: string;
  /** In-tree directories the backend is imported from (self-hosted backends). */
  backendPath: string[];
  /** True when pip's fallback applies (no `[build-system]`): setuptools and wheel. */
  fallback: boolean;
}

export const LEGACY_BACKEND = 'setuptools.build_meta:__legacy__';
/** What Debian bookworm's pip 23.0.1 installs for an sdist without `[build-system]`. */
export const FALLBACK_REQUIRES = ['setuptools>=40.8.0', 'wheel'];

const MAX_REQUIRES = 200;
const BACKEND = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$/;

/**
 * Read `[build-system]` from an sdist's pyproject.toml text without running any of its code,
 * with pip 23.0.1's rules: no pyproject.toml or no table means setuptools + wheel and the
 * legacy backend; a table without `requires` is an error; no `build-backend` means the
 * legacy backend with the requirements as given.
 */
export function readBuildSystem(pyprojectToml: string | null, setupPy: boolean, what: string): BuildSystem {
  const refuse = (why: string): HbuildError =>
    new HbuildError('ERR_BUILD_FAILED', `${what}: ${why}`, { hint: 'pip would refuse to build this sdist as well; pin another version or report it upstream' });
  if (pyprojectToml === null) {
    if (!setupPy) throw refuse('has neither pyproject.toml nor setup.py');
    return { requires: [...FALLBACK_REQUIRES], backend: LEGACY_BACKEND, backendPath: [], fallback: true };
  }
  let doc: Record<string, unknown>;
  try {
    doc = parse(pyprojectToml) as Record<string, unknown>;
  } catch (err) {
    throw refuse(`pyproject.toml is not valid TOML (${(err as Error).message.split('\n')[0]})`);
  }
  const table = doc['build-system'];
  if (table === undefined) return { requires: [...FALLBACK_REQUIRES], backend: LEGACY_BACKEND, backendPath: [], fallback: true };
  if (typeof table !== 'object' || table === null || Array.isArray(table)) throw refuse('[build-system] is not a table');
  const system = table as Record<string, unknown>;
  const requires = system['requires'];
  if (requires === undefined) throw refuse('[build-system] has no requires (PEP 518)');
  if (!Array.isArray(requires) || !requires.every((r) => typeof r === 'string')) throw refuse('build-system.requires is not a list of strings');
  if (requires.length > MAX_REQUIRES) throw refuse(`build-system.requires has more than ${MAX_REQUIRES} entries`);
  for (const req of requires as string[]) {
    try {
      const parsed = parseRequirement(req);
      if (parsed.url) throw refuse(`build requirement ${JSON.stringify(req)} is a direct URL, which a lock cannot pin`);
    } catch (err) {
      if (err instanceof RequirementError) throw refuse(`build requirement ${JSON.stringify(req.slice(0, 200))} is not PEP 508: ${err.message}`);
      throw err;
    }
  }
  const backend = system['build-backend'] ?? LEGACY_BACKEND;
  if (typeof backend !== 'string' || !BACKEND.test(backend)) throw refuse('build-system.build-backend is not a module:object name');
  const backendPath = system['backend-path'] ?? [];
  if (!Array.isArray(backendPath) || !backendPath.every((p) => typeof p === 'string' && insideTree(p))) {
    throw refuse('build-system.backend-path must list relative directories inside the source tree');
  }
  return { requires: requires as string[], backend, backendPath: backendPath as string[], fallback: false };
}

function insideTree(path: string): boolean {
  if (path.startsWith('/') || path.includes('\\') || path.includes('\0') || path.length > 255) return false;
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) return false;
  }
  return true;
}
