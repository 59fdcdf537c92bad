import { z } from 'zod';
import { HbuildError } from '../core/errors.js';
import { RULES } from './rules.js';
import type { VetResult } from './types.js';

const RULE_IDS = new Set(RULES.map((r) => r.id));

/** Dates from a YAML 1.1 loader arrive as Date objects; hbuild's own loader keeps them as text. */
const IsoDay = z.preprocess(
  (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString().slice(0, 10) : v),
  z.iso.date({ message: 'expected a date as YYYY-MM-DD' }),
);

/**
 * A reviewed finding a recipe allows: exactly one rule, one file, one sdist
 * (by sha256), with a reason and an expiry date. Anything looser is refused.
 */
export const VetException = z.strictObject({
  rule: z
    .string()
    .regex(/^HB\d{3}$/, 'expected a rule id such as HB107')
    .refine((id) => RULE_IDS.has(id), 'unknown rule id')
    .describe('the vet rule the exception allows, e.g. HB107'),
  file: z
    .string()
    .max(1024, 'expected at most 1024 characters')
    .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\\\x00-\x1f]+$/, 'expected a path below the sdist top directory, with "/" separators')
    .describe('path of the file inside the sdist, below its top directory, e.g. distutils-precedence.pth'),
  'sdist-sha256': z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters').describe('sha256 of the sdist the review covered'),
  reason: z.string().trim().min(10, 'explain the review in at least 10 characters').max(2000).describe('why the finding is acceptable'),
  expires: IsoDay.describe('the exception stops applying on this date (UTC), YYYY-MM-DD'),
});
export type VetException = z.infer<typeof VetException>;

export const VetExceptions = z.array(VetException).max(1000, 'expected at most 1000 exceptions');
export type VetExceptions = z.infer<typeof VetExceptions>;

function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
}

/**
 * Validate a recipe's `vet.exceptions` list. Every problem is reported at once,
 * as `<source>: [2].expires: expected a date as YYYY-MM-DD`.
 */
export function parseVetExceptions(raw: unknown, source: string): VetException[] {
  const parsed = VetExceptions.safeParse(raw ?? []);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${source}: ${pathOf(issue.path) || '(root)'}: ${issue.message}`);
  throw new HbuildError('ERR_RECIPE_INVALID', `invalid vet exceptions:\n  ${problems.join('\n  ')}`, {
    hint: 'each exception needs rule, file, sdist-sha256, reason and expires (YYYY-MM-DD), and nothing else',
    details: { source, problems },
  });
}

const Severity = z.enum(['warn', 'block']);

/** A memoised vet result, checked field by field when read back from the store. */
export const VetResultMemo: z.ZodType<VetResult> = z.object({
  ruleSetVersion: z.string(),
  verdict: z.enum(['pass', 'warn', 'block']),
  findings: z.array(
    z.object({
      rule: z.string(),
      severity: z.enum(['warn', 'block', 'allowed']),
      ruleSeverity: Severity,
      file: z.string(),
      line: z.number().int().nonnegative(),
      excerpt: z.string(),
      message: z.string(),
      exception: z.object({ status: z.enum(['applied', 'expired', 'wrong-sha256']), reason: z.string(), expires: z.string(), note: z.string() }).optional(),
    }),
  ),
  findingsDigest: z.string(),
  held: z.object({ releasedAt: z.string().nullable(), until: z.string().nullable(), message: z.string() }).optional(),
  stats: z.object({ files: z.number(), textFiles: z.number(), bytes: z.number(), scannedBytes: z.number() }),
});
