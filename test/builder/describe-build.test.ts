import { describe, expect, it } from 'vitest';
import { REPAIR_PATH, REPAIR_SHA256, UNREPAIRED_DIR } from '../../src/builder/container-command.js';
import { describeBuild } from '../../src/builder/describe-build.js';
import { inputDigest } from '../../src/builder/input-digest.js';
import { DEFAULT_LIMITS } from '../../src/engine/index.js';
import type { LoadedRecipe } from '../../src/recipe/read-recipe.js';

const frame = { limits: DEFAULT_LIMITS, sourceDateEpoch: 1_700_000_000, builderRootfs: `sha256:${'c'.repeat(64)}` };
const prepared = (recipe: LoadedRecipe | null) => ({ fetched: { sha256: 'a'.repeat(64) }, inspected: { treeDigest: `sha256:${'b'.repeat(64)}` }, recipe });
const recipe = (platform?: string): LoadedRecipe => ({
  recipe: { 'debian-packages': ['patchelf'], ...(platform ? { repair: { platform } } : {}) },
  // The same recipe digest for both: the command alone must tell the builds apart.
  digest: `sha256:${'e'.repeat(64)}`,
  path: 'recipes/demo.yaml',
});

describe('describeBuild with a repair', () => {
  it('runs the repair step around the frontend, which then writes to the unrepaired directory, and names the platform', () => {
    const { repair, inputs } = describeBuild(frame, prepared(recipe('manylinux_2_36_x86_64')), [], { sha256: 'f'.repeat(64) });

    expect(repair).toEqual({ platform: 'manylinux_2_36_x86_64' });
    const at = inputs.command.indexOf(REPAIR_PATH);
    expect(inputs.command.slice(at, at + 8)).toEqual([REPAIR_PATH, '--sha256', REPAIR_SHA256, '--plat', 'manylinux_2_36_x86_64', '--out', '/build/out', '--']);
    expect(inputs.command.at(-2)).toBe(UNREPAIRED_DIR);
  });

  it('gives a repaired build another input digest than the same build unrepaired, and each platform its own', () => {
    const digest = (platform?: string) => inputDigest(describeBuild(frame, prepared(recipe(platform)), [], { sha256: 'f'.repeat(64) }).inputs);

    const digests = new Set([digest(), digest('manylinux_2_36_x86_64'), digest('manylinux_2_28_x86_64')]);

    expect(digests.size).toBe(3);
  });

  it('leaves a build without a repair as it was: no repair step, the wheel written to /build/out', () => {
    const { repair, inputs } = describeBuild(frame, prepared(null), [], { sha256: 'f'.repeat(64) });

    expect(repair).toBeUndefined();
    expect(inputs.command).not.toContain(REPAIR_PATH);
    expect(inputs.command.at(-2)).toBe('/build/out');
  });
});
