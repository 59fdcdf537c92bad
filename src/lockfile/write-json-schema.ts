// Regenerates schema/lock.schema.json: `npm run build && npm run gen:schema`.
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { lockJsonSchemaText } from './json-schema.js';

const target = fileURLToPath(new URL('../../schema/lock.schema.json', import.meta.url));
await writeFileAtomic(target, lockJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
