import { describe, expect, it } from 'vitest';
import { inputDigest, type BuildInputs } from '../../src/builder/input-digest.js';

const base: BuildInputs = {
  sdistSha256: 'a'.repeat(64),
  treeDigest: `sha256:${'b'.repeat(64)}`,
  recipeDigest: null,
  builderRootfs: `sha256:${'c'.repeat(64)}`,
  requirementWheels: [
    { name: 'x', sha256: 'd'.repeat(64) },
    { name: 'y', sha256: 'e'.repeat(64) },
  ],
  buildEnv: '9'.repeat(64),
  env: { SOURCE_DATE_EPOCH: '1700000000' },
  command: ['pip', 'wheel'],
  limits: { memoryBytes: 1, cpus: 1, pids: 1, fileSizeBytes: 1 },
};

describe('inputDigest', () => {
  it('is stable and ignores the order of build-requirement wheels', () => {
    const reordered = { ...base, requirementWheels: [...base.requirementWheels].reverse() };

    const a = inputDigest(base);
    const b = inputDigest(reordered);

    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Partial<BuildInputs>]>([
    ['sdist', { sdistSha256: 'f'.repeat(64) }],
    ['tree', { treeDigest: `sha256:${'f'.repeat(64)}` }],
    ['recipe', { recipeDigest: `sha256:${'f'.repeat(64)}` }],
    ['builder rootfs', { builderRootfs: `sha256:${'f'.repeat(64)}` }],
    ['a build-requirement wheel', { requirementWheels: [{ name: 'x', sha256: 'f'.repeat(64) }, { name: 'y', sha256: 'e'.repeat(64) }] }],
    ['the build environment', { buildEnv: '8'.repeat(64) }],
    ['the environment', { env: { SOURCE_DATE_EPOCH: '1700000001' } }],
    ['the command', { command: ['pip', 'wheel', '--config-settings', 'a=b'] }],
    ['the limits', { limits: { memoryBytes: 2, cpus: 1, pids: 1, fileSizeBytes: 1 } }],
  ])('changes when %s changes', (_label, change) => {
    const changed = { ...base, ...change };

    const digest = inputDigest(changed);

    expect(digest).not.toBe(inputDigest(base));
  });
});
