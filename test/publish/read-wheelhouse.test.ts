import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWheelhouse, parseSha256Sums } from '../../src/publish/read-wheelhouse.js';
import { readUploadMetadata, metadataFields } from '../../src/publish/wheel-metadata.js';
import { makeWheelhouse } from '../fixtures/wheelhouse.js';
import { refusal } from '../helpers/errors.js';
import { tempDir } from '../helpers/tmp.js';

describe('the wheelhouse a publish reads', () => {
  it('gives every wheel, re-hashed, with its upload metadata', async () => {
    const { out, records } = await makeWheelhouse(await tempDir('pub-wh'));

    const wheels = await readWheelhouse(out);
    const meta = await readUploadMetadata(wheels[0]!);

    expect(wheels.map((w) => w.sha256).sort()).toEqual(records.map((r) => r.wheel.sha256).sort());
    expect(meta.pyversion).toBe('py3');
    expect(meta.fields.find(([k]) => k === 'name')?.[1]).toBe(wheels[0]!.name);
  });

  it('refuses a wheelhouse whose SHA256SUMS disagrees with manifest.json', async () => {
    const { out, records } = await makeWheelhouse(await tempDir('pub-sums'));
    const sums = await readFile(join(out, 'SHA256SUMS'), 'utf8');
    await writeFile(join(out, 'SHA256SUMS'), sums.replace(records[0]!.wheel.sha256, '0'.repeat(64)));

    const err = await refusal(readWheelhouse(out));

    expect(err.code).toBe('ERR_HASH_MISMATCH');
    expect(err.message).toContain(`${records[0]!.wheel.file}: manifest.json records sha256 ${records[0]!.wheel.sha256}, SHA256SUMS ${'0'.repeat(64)}`);
  });

  it('refuses a wheel that is in the folder but in no record', async () => {
    const { out } = await makeWheelhouse(await tempDir('pub-extra'));
    await writeFile(join(out, 'stowaway-1.0-py3-none-any.whl'), 'PK');

    const err = await refusal(readWheelhouse(out));

    expect(err.message).toContain('stowaway-1.0-py3-none-any.whl is in the wheelhouse but not in manifest.json');
  });

  it('parses SHA256SUMS strictly', () => {
    const good = parseSha256Sums(`${'a'.repeat(64)}  x-1-py3-none-any.whl\n`, 'wh');

    expect(good.get('x-1-py3-none-any.whl')).toBe('a'.repeat(64));
    expect(() => parseSha256Sums(`${'a'.repeat(64)}  ../etc/passwd\n`, 'wh')).toThrow(/line 1 is not/);
    expect(() => parseSha256Sums(`${'a'.repeat(64)}  x\n${'b'.repeat(64)}  x\n`, 'wh')).toThrow(/lists x twice/);
  });
});

describe('METADATA as upload fields', () => {
  it('maps single and repeated fields to the form\'s names, sends the body as the description, and drops License-File before 2.4', () => {
    const text = 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nClassifier: A\nClassifier: B\nRequires-Dist: idna\nProject-URL: Home, https://example.test\nLicense-File: LICENSE\nX-Unknown: dropped\n\nLong\ndescription\n';

    const { fields, metadataVersion } = metadataFields(text, (why) => new Error(why));

    expect(metadataVersion).toBe('2.1');
    expect(fields).toEqual([
      ['metadata_version', '2.1'],
      ['name', 'demo'],
      ['version', '1.0'],
      ['classifiers', 'A'],
      ['classifiers', 'B'],
      ['requires_dist', 'idna'],
      ['project_urls', 'Home, https://example.test'],
      ['description', 'Long\ndescription\n'],
    ]);
  });

  it('refuses a repeated single field', () => {
    expect(() => metadataFields('Metadata-Version: 2.1\nName: a\nName: b\n', (why) => new Error(why))).toThrow('has 2 name fields');
  });
});
