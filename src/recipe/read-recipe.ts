import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HbuildError } from '../core/errors.js';
import { digestJson } from '../core/digest.js';
import { Recipe, type RecipeRepair } from './schema.js';

export interface LoadedRecipe {
  recipe: Recipe;
  /** Digest of the parsed recipe; part of the build's input digest. */
  digest: string;
  path: string;
}

const MAX_RECIPE_BYTES = 256 * 1024;

/**
 * The recipes present in `dir`, listed once per run: most packages have none, and
 * a run over a thousand packages should not try a thousand missing files.
 */
export async function recipeReader(dir: string): Promise<(key: string) => Promise<LoadedRecipe | null>> {
  let present: Set<string>;
  try {
    present = new Set((await readdir(dir)).filter((n) => n.endsWith('.yaml')).map((n) => n.slice(0, -5)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') present = new Set();
    else throw err;
  }
  return async (key) => (present.has(key) ? readRecipe(dir, key) : null);
}

/** The recipe for a package (`<dir>/<normalised-name>.yaml`), or null when there is none. */
export async function readRecipe(dir: string, key: string): Promise<LoadedRecipe | null> {
  const path = join(dir, `${key}.yaml`);
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_RECIPE_BYTES) throw invalid(path, [`larger than ${MAX_RECIPE_BYTES} bytes`]);
    text = bytes.toString('utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let raw: unknown;
  try {
    raw = parse(text, { maxAliasCount: 0, uniqueKeys: true });
  } catch (err) {
    throw invalid(path, [(err as Error).message.split('\n')[0] ?? 'YAML syntax error']);
  }
  const parsed = Recipe.safeParse(raw ?? {});
  if (!parsed.success) {
    throw invalid(path, parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`));
  }
  return { recipe: parsed.data, digest: `sha256:${digestJson(parsed.data)}`, path };
}

function invalid(path: string, problems: string[]): HbuildError {
  return new HbuildError('ERR_RECIPE_INVALID', `recipe ${path} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`, {
    hint: 'fix the recipe; see recipes/README.md for its format',
    details: { path, problems },
  });
}

/** The recipe's extra Debian packages, sorted and deduplicated: the set a derived builder image is made for. */
export function debianPackages(recipe: LoadedRecipe | null): string[] {
  return [...new Set(recipe?.recipe['debian-packages'] ?? [])].sort();
}

/**
 * What a recipe's repair installs into the build environment: auditwheel, from 6.1 (which knows
 * manylinux_2_36), before 6.8: 6.8.0 batches its ELF edits into one patchelf call, which the
 * bookworm builder's Debian patchelf 0.14.3 gets wrong (the new soname lands in RPATH and
 * DT_NEEDED stays), and 6.8.1 requires patchelf 0.14.5.
 */
export const REPAIR_REQUIREMENT = 'auditwheel>=6.1,<6.8';

/** The recipe's repair setting, or undefined when the wheel is kept as built. */
export function repairOf(recipe: LoadedRecipe | null): RecipeRepair | undefined {
  return recipe?.recipe.repair;
}

/** Build requirements a recipe adds to its package's build environment, beyond what the sdist asks for. */
export function recipeBuildRequires(recipe: LoadedRecipe | null): string[] {
  return repairOf(recipe) === undefined ? [] : [REPAIR_REQUIREMENT];
}
