import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { HbuildError } from '../core/errors.js';
import { ImageRecipe } from './schema.js';

const IMAGE_NAME = /^[a-z0-9][a-z0-9_.-]*$/;
const RECIPE_FILE = 'image.yaml';

/** Names of the builder-image recipes under `imagesDir`, sorted. */
export async function listImageRecipes(imagesDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(imagesDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !IMAGE_NAME.test(entry.name)) continue;
    const files = await readdir(join(imagesDir, entry.name));
    if (files.includes(RECIPE_FILE)) names.push(entry.name);
  }
  return names.sort();
}

/** Read and validate `images/<name>/image.yaml`; every schema problem is reported at once. */
export async function readImageRecipe(imagesDir: string, name: string): Promise<ImageRecipe> {
  const available = await listImageRecipes(imagesDir);
  if (!IMAGE_NAME.test(name) || !available.includes(name)) {
    throw new HbuildError('ERR_USAGE', `unknown builder image '${name}' in ${imagesDir}`, {
      hint: available.length > 0 ? `available images: ${available.join(', ')}` : `no image recipes found in ${imagesDir}`,
      details: { name, imagesDir, available },
    });
  }
  const file = join(imagesDir, name, RECIPE_FILE);
  let raw: unknown;
  try {
    raw = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new HbuildError('ERR_RECIPE_INVALID', `${file}: not valid YAML`, { cause: err, details: { file } });
  }
  const result = ImageRecipe.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new HbuildError('ERR_RECIPE_INVALID', `${file}: ${problems.join('; ')}`, {
      hint: 'fix the image recipe; unknown keys are errors',
      details: { file, problems },
    });
  }
  return result.data;
}
