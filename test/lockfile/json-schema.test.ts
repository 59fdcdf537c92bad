import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lockJsonSchema, lockJsonSchemaText } from '../../src/lockfile/json-schema.js';

const COMMITTED = fileURLToPath(new URL('../../schema/lock.schema.json', import.meta.url));

describe('lock JSON Schema', () => {
  it('is committed exactly as generated from the zod schema', async () => {
    const committed = await readFile(COMMITTED, 'utf8').catch(() => '');

    const generated = lockJsonSchemaText();

    expect(committed, 'schema/lock.schema.json is stale: run `npm run build && npm run gen:schema`').toBe(generated);
  });

  it('is strict and identified', () => {
    const schema = lockJsonSchema();

    expect(schema).toMatchObject({
      $id: 'urn:hbuild:schema:lock:1',
      title: 'hbuild lock file',
      additionalProperties: false,
      required: ['version', 'packages'],
      oneOf: [{ required: ['builder'] }, { required: ['targets'] }],
    });
  });
});
