import { z } from 'zod';
import { Lock } from './schema.js';

export const LOCK_SCHEMA_ID = 'urn:hbuild:schema:lock:1';

/**
 * JSON Schema of lock.yaml for editors, generated from the zod schema. It describes
 * the shape; the cross-entry rules (unique names, references, cycles, file names
 * matching the package, per-target keys naming targets) are checked only by hbuild
 * itself. Exactly one of `builder` and `targets` is required.
 */
export function lockJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(Lock, { io: 'input', target: 'draft-2020-12', unrepresentable: 'throw' });
  return { $schema, $id: LOCK_SCHEMA_ID, title: 'hbuild lock file', ...rest, oneOf: [{ required: ['builder'] }, { required: ['targets'] }] };
}

/** The committed text of schema/lock.schema.json. */
export function lockJsonSchemaText(): string {
  return `${JSON.stringify(lockJsonSchema(), null, 2)}\n`;
}
