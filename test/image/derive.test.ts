import { describe, expect, it } from 'vitest';
import { derivedImageName, derivedRecipe } from '../../src/image/derive.js';
import type { ImageRecipe } from '../../src/image/schema.js';

const BASE: ImageRecipe = {
  suite: 'bookworm',
  variant: 'apt',
  python: '3.11.2',
  'source-date-epoch': 1_700_000_000,
  packages: ['python3', 'build-essential'],
  user: { name: 'builder', uid: 1000, gid: 1000 },
};

describe('derived builder images', () => {
  it('names one image per package set and base, within the lock schema image name rules', () => {
    const a = derivedImageName('default', ['libxml2-dev', 'libxslt1-dev']);

    expect(a).toMatch(/^default-deb-[0-9a-f]{12}$/);
    expect(derivedImageName('default', ['libxml2-dev', 'libxslt1-dev'])).toBe(a);
    expect(derivedImageName('default', ['libxml2-dev'])).not.toBe(a);
    expect(derivedImageName('other', ['libxml2-dev', 'libxslt1-dev'])).not.toBe(a);
  });

  it('appends the packages the base lacks, sorted and deduplicated, and keeps everything else', () => {
    const recipe = derivedRecipe(BASE, ['zlib1g-dev', 'cmake', 'python3', 'cmake']);

    expect(recipe).toEqual({ ...BASE, packages: ['python3', 'build-essential', 'cmake', 'zlib1g-dev'] });
    expect(BASE.packages).toEqual(['python3', 'build-essential']);
  });
});
