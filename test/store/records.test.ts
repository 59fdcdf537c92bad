import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildAction, MAX_RECORD_BYTES } from '../../src/store/records.js';
import { openStore } from '../../src/store/store.js';
import { useTempDir } from '../helpers/tmp.js';

const digest = 'a'.repeat(64);
const action: BuildAction = {
  inputDigest: digest,
  wheel: { file: 'x-1.0-py3-none-any.whl', sha256: 'b'.repeat(64), size: 10 },
  log: { sha256: 'c'.repeat(64), droppedBytes: 0 },
  treeDigest: `sha256:${'d'.repeat(64)}`,
  builderImageId: `sha256:${'e'.repeat(64)}`,
  seconds: 1.5,
};

describe('store records', () => {
  const dir = useTempDir('records');

  it('reads back a build record it wrote', async () => {
    const store = await openStore(dir.path);

    await store.writeAction(digest, action);

    expect(await store.readAction(digest, BuildAction)).toEqual(action);
  });

  it.each([
    ['ill-shaped', JSON.stringify({ ...action, wheel: { file: 'x.whl', sha256: 'not-hex', size: 10 } })],
    ['not JSON', '{"inputDigest": '],
    ['oversized', `${JSON.stringify(action)}${' '.repeat(MAX_RECORD_BYTES)}`],
  ])('treats a %s record as absent, so the build runs again', async (_what, text) => {
    const store = await openStore(dir.path);
    await writeFile(join(dir.path, 'actions', `${digest}.json`), text);

    const read = await store.readAction(digest, BuildAction);

    expect(read).toBeNull();
  });
});
