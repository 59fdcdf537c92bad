import { parse as parseToml } from 'smol-toml';

/**
 * How a file is used: `build` runs during the build (setup.py, build hooks,
 * an in-tree backend), `package` is shipped and imported, `aux` is tests,
 * docs, examples and tooling, which neither runs at build nor at import.
 */
export type FileRole = 'build' | 'package' | 'aux';

const ALWAYS_BUILD = new Set(['setup.py', 'hatch_build.py', 'pdm_build.py']);
const AUX_ANYWHERE = new Set([
  'test', 'tests', 'docs', 'doc', 'examples', 'example', 'demo', 'demos', 'benchmarks', 'benchmark', 'bench',
  'asv_bench', '.github', '.circleci', '.ci', 'ci', '__tests__', 'unittests', 'testsuite', 'test_data', 'testdata',
]);
const AUX_TOP = new Set(['testing', 'tools', 'scripts', 'contrib', 'misc', 'dev', 'devtools', 'utils', 'tasks', 'extras', 'sandbox']);
const AUX_FILE = /^(?:test_.*\.py|.*_tests?\.py|tests?\.py|conftest\.py|noxfile\.py|tasks\.py|fabfile\.py|runtests\.py)$/;

export function fileRole(path: string, buildFiles: ReadonlySet<string>): FileRole {
  if (buildFiles.has(path)) return 'build';
  const segments = path.split('/');
  const base = segments[segments.length - 1] as string;
  const dirs = segments.slice(0, -1);
  if (dirs.some((d) => AUX_ANYWHERE.has(d.toLowerCase()))) return 'aux';
  if (dirs.length > 0 && AUX_TOP.has((dirs[0] as string).toLowerCase())) return 'aux';
  if (AUX_FILE.test(base)) return 'aux';
  return 'package';
}

function joinPath(dir: string, file: string): string {
  const clean = `${dir}/${file}`.split('/').filter((s) => s !== '' && s !== '.');
  return clean.join('/');
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Every `hooks.custom` table under tool.hatch, with hatch's default path. */
function hatchHooks(node: unknown, into: Set<string>, depth = 0): void {
  const table = asRecord(node);
  if (!table || depth > 6) return;
  const custom = asRecord(asRecord(table.hooks)?.custom);
  if (custom) into.add(joinPath('', typeof custom.path === 'string' ? custom.path : 'hatch_build.py'));
  for (const value of Object.values(table)) hatchHooks(value, into, depth + 1);
}

/**
 * Files pyproject.toml makes part of the build: the in-tree backend's module
 * (and its package __init__), hatch custom hooks, poetry and pdm build scripts.
 */
export function buildFilesFromPyproject(text: string | null): Set<string> {
  const files = new Set(ALWAYS_BUILD);
  if (text === null) return files;
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch {
    return files;
  }
  const system = asRecord(doc['build-system']);
  const backend = typeof system?.['build-backend'] === 'string' ? (system['build-backend'] as string).split(':')[0] : undefined;
  const paths = Array.isArray(system?.['backend-path']) ? (system['backend-path'] as unknown[]).filter((p) => typeof p === 'string') : [];
  if (backend && /^[\w.]+$/.test(backend)) {
    const parts = backend.split('.');
    for (const dir of paths as string[]) {
      files.add(joinPath(dir, `${parts.join('/')}.py`));
      files.add(joinPath(dir, `${parts.join('/')}/__init__.py`));
      if (parts.length > 1) files.add(joinPath(dir, `${parts[0]}/__init__.py`));
    }
  }
  const tool = asRecord(doc.tool);
  hatchHooks(asRecord(tool?.hatch), files);
  const poetryBuild = asRecord(tool?.poetry)?.build;
  if (typeof poetryBuild === 'string') files.add(joinPath('', poetryBuild));
  const poetryScript = asRecord(poetryBuild)?.script;
  if (typeof poetryScript === 'string') files.add(joinPath('', poetryScript));
  const pdmHook = asRecord(asRecord(tool?.pdm)?.build)?.['custom-hook'];
  if (typeof pdmHook === 'string') files.add(joinPath('', pdmHook));
  return files;
}
