import type { z } from 'zod';
import type { Finding, PathSegment } from './lock-problems.js';
import { Lock } from './schema.js';

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  object: 'a mapping',
  array: 'a list',
};

/** Name a YAML value the way a user would see it. */
function describe(input: unknown): string {
  if (input === null) return 'nothing';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'string') return 'a string';
  if (typeof input === 'number') return `the number ${input}`;
  return String(input);
}

/** Messages in YAML terms; schema-level messages (patterns, limits) take precedence over this map. */
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'missing required key';
  const expected = EXPECTED[issue.expected] ?? issue.expected;
  return `expected ${expected}, got ${describe(issue.input)}`;
};

function segments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((s) => (typeof s === 'number' ? s : String(s)));
}

export type SchemaResult = { ok: true; lock: Lock } | { ok: false; findings: Finding[] };

/** Check data against the strict `Lock` schema, one finding per issue (and per unknown key). */
export function checkSchema(data: unknown): SchemaResult {
  const result = Lock.safeParse(data, { error: errorMap });
  if (result.success) return { ok: true, lock: result.data };
  const findings: Finding[] = [];
  for (const issue of result.error.issues) {
    const path = segments(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) findings.push({ path: [...path, key], message: 'unknown key', at: 'key' });
    } else {
      findings.push({ path, message: issue.message });
    }
  }
  return { ok: false, findings };
}
