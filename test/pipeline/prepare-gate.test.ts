import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectCached } from '../../src/inspect/inspect-cached.js';
import type { PlannedPackage } from '../../src/lockfile/plan.js';
import { openStore } from '../../src/store/store.js';
import { vetStep } from '../../src/vet/vet-step.js';
import { writeFixtureSdist } from '../fixtures/pkg.js';
import { useTempDir } from '../helpers/tmp.js';

describe('the gate around reading a source', () => {
  const dir = useTempDir('prepare-gate');

  it('is passed the unpacking and the vetting of a source no earlier result covers, and nothing of a kept one', async () => {
    const sdist = await writeFixtureSdist(dir.path, { name: 'gated', version: '1.0' });
    const store = await openStore(join(dir.path, 'store'));
    const through: string[] = [];
    const gate = (what: string) => <T>(work: () => Promise<T>): Promise<T> => {
      through.push(what);
      return work();
    };
    const pkg: PlannedPackage = { name: 'gated', key: 'gated', version: '1.0', sdist: { file: sdist.file, sha256: sdist.sha256, path: sdist.path }, buildRequires: [] };
    const vetOptions = { store, mode: 'enforce' as const, minAgeDays: 0 };

    for (let run = 0; run < 2; run++) {
      await inspectCached(store, sdist.path, sdist.sha256, { name: 'gated', version: '1.0' }, gate('inspect'));
      await vetStep(pkg, sdist.path, sdist.sha256, null, { ...vetOptions, gate: gate('vet') });
    }

    expect(through).toEqual(['inspect', 'vet']);
  });
});
