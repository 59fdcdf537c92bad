import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecipe, recipeBuildRequires, REPAIR_REQUIREMENT, repairOf } from '../../src/recipe/read-recipe.js';
import { refusal } from '../helpers/errors.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('read-recipe');

async function recipe(text: string) {
  await writeFile(join(tmp.path, 'demo.yaml'), text);
  return readRecipe(tmp.path, 'demo');
}

describe('a recipe with repair', () => {
  it('reads the platform and adds auditwheel to the build requirements', async () => {
    const loaded = await recipe('debian-packages: [libyaml-dev, patchelf]\nrepair:\n  platform: manylinux_2_36_x86_64\n');

    expect(repairOf(loaded)).toEqual({ platform: 'manylinux_2_36_x86_64' });
    expect(recipeBuildRequires(loaded)).toEqual([REPAIR_REQUIREMENT]);
    expect(recipeBuildRequires(null)).toEqual([]);
  });

  it('refuses a repair without patchelf among the Debian packages, saying to add it', async () => {
    const err = await refusal(recipe('debian-packages: [libyaml-dev]\nrepair:\n  platform: manylinux_2_36_x86_64\n'));

    expect(err.code).toBe('ERR_RECIPE_INVALID');
    expect(err.message).toContain("debian-packages: repair runs auditwheel, which needs Debian's patchelf: add patchelf to debian-packages");
  });

  it.each([
    ['musllinux_1_2_x86_64', 'a manylinux platform tag'],
    ['manylinux_2_36_aarch64', 'a manylinux platform tag'],
    ['manylinux2014_x86_64', 'a manylinux platform tag'],
  ])('refuses the platform %s', async (platform, message) => {
    const err = await refusal(recipe(`debian-packages: [patchelf]\nrepair:\n  platform: ${platform}\n`));

    expect(err.message).toContain(`repair.platform: ${message}`);
  });

  it('refuses unknown keys under repair', async () => {
    const err = await refusal(recipe('debian-packages: [patchelf]\nrepair:\n  platform: manylinux_2_36_x86_64\n  strip: true\n'));

    expect(err.message).toContain('repair');
    expect(err.message).toMatch(/strip/);
  });
});
