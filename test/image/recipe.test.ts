import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listImageRecipes, readImageRecipe } from '../../src/image/recipe.js';
import { useTempDir } from '../helpers/tmp.js';

const REPO_IMAGES = join(import.meta.dirname, '../../images');
const tmp = useTempDir('images');

async function writeRecipe(name: string, text: string): Promise<void> {
  await mkdir(join(tmp.path, name), { recursive: true });
  await writeFile(join(tmp.path, name, 'image.yaml'), text);
}

describe('readImageRecipe', () => {
  it('reads the shipped default image', async () => {
    const recipe = await readImageRecipe(REPO_IMAGES, 'default');

    expect(recipe).toEqual({
      suite: 'bookworm',
      variant: 'apt',
      'source-date-epoch': 1700000000,
      python: '3.11.2',
      packages: ['python3', 'python3-pip', 'python3-venv', 'python3-dev', 'build-essential', 'libfaketime'],
      user: { name: 'builder', uid: 1000, gid: 1000 },
    });
  });

  it('reads the shipped trixie image with its CPython', async () => {
    const recipe = await readImageRecipe(REPO_IMAGES, 'trixie');

    expect(recipe).toMatchObject({ suite: 'trixie', python: '3.13.5' });
  });

  it('names the available images when the name is unknown', async () => {
    await writeRecipe('alpha', 'x: 1\n');
    await writeRecipe('beta', 'x: 1\n');
    await mkdir(join(tmp.path, 'not-an-image'));

    const result = readImageRecipe(tmp.path, 'gamma');

    await expect(result).rejects.toMatchObject({ code: 'ERR_USAGE', hint: 'available images: alpha, beta' });
  });

  it('rejects a name that walks out of the images directory', async () => {
    await writeRecipe('alpha', 'x: 1\n');

    const result = readImageRecipe(join(tmp.path, 'alpha'), '..');

    await expect(result).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });

  it('reports every schema problem at once, unknown keys included', async () => {
    await writeRecipe(
      'bad',
      [
        'suite: bookworm',
        'variant: apt',
        'source-date-epoch: -1',
        'python: "3.13"',
        'packages: ["python3; rm -rf /"]',
        'user: { name: "x y", uid: 1000, gid: 1000 }',
        'extra: true',
      ].join('\n'),
    );

    const result = readImageRecipe(tmp.path, 'bad');

    await expect(result).rejects.toMatchObject({
      code: 'ERR_RECIPE_INVALID',
      details: {
        problems: expect.arrayContaining([
          expect.stringMatching(/^source-date-epoch: /),
          expect.stringMatching(/^python: expected the full CPython version/),
          expect.stringMatching(/^packages\.0: expected a Debian package name/),
          expect.stringMatching(/^user\.name: /),
          expect.stringMatching(/extra/),
        ]),
      },
    });
  });

  it('reports YAML syntax errors as ERR_RECIPE_INVALID', async () => {
    await writeRecipe('broken', 'suite: [bookworm\n');

    const result = readImageRecipe(tmp.path, 'broken');

    await expect(result).rejects.toMatchObject({ code: 'ERR_RECIPE_INVALID' });
  });
});

describe('listImageRecipes', () => {
  it('returns an empty list for a missing directory', async () => {
    const names = await listImageRecipes(join(tmp.path, 'missing'));

    expect(names).toEqual([]);
  });
});
