import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HbuildError } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/digest.js';
import { fetchSdist } from '../../src/fetch/fetch-sdist.js';
import { openStore } from '../../src/store/store.js';
import { useTempDir } from '../helpers/tmp.js';

describe('fetchSdist', () => {
  const dir = useTempDir('fetch');

  it('says when the store held a corrupt copy, and takes the pinned bytes again', async () => {
    const bytes = Buffer.from('pretend sdist bytes');
    const pin = { name: 'p', version: '1.0', file: 'p-1.0.tar.gz', sha256: sha256(bytes) };
    const staging = join(dir.path, 'staging');
    const store = await openStore(join(dir.path, 'store'));
    const options = { store, indexUrl: () => Promise.reject(new Error('no index')), sdistDirs: [staging], signal: new AbortController().signal };
    await mkdir(staging);
    await writeFile(join(staging, pin.file), bytes);
    await fetchSdist(pin, options);
    await writeFile(store.blobPath('sources', pin.sha256), 'tampered');
    const corrupt: HbuildError[] = [];

    const again = await fetchSdist(pin, { ...options, onCorrupt: (err) => corrupt.push(err) });

    expect(again.origin).toBe('staging');
    expect(corrupt.map((e) => e.code)).toEqual(['ERR_STORE_CORRUPT']);
    expect(corrupt[0]?.details.expected).toBe(pin.sha256);
  });
});
