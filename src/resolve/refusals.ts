import { HbuildError, type ErrorCode } from '../core/errors.js';

/** Most severe first: the code of a combined refusal is the worst of its parts. */
const SEVERITY: ErrorCode[] = ['ERR_HASH_MISMATCH', 'ERR_VET_BLOCKED', 'ERR_USAGE', 'ERR_FETCH', 'ERR_BUILD_FAILED'];

/** Several refusals as one error, each on its own line, with the most severe code. */
export function refusedTogether(errors: readonly HbuildError[]): HbuildError {
  if (errors.length === 1) return errors[0]!;
  const rank = (code: ErrorCode): number => (SEVERITY.includes(code) ? SEVERITY.indexOf(code) : SEVERITY.length);
  const worst = [...errors].sort((a, b) => rank(a.code) - rank(b.code))[0]!;
  const hints = [...new Set(errors.map((e) => e.hint).filter((h): h is string => Boolean(h)))];
  return new HbuildError(worst.code, `the lock cannot be made (${errors.length} problems):\n${errors.map((e) => `  - ${e.message}`).join('\n')}`, {
    hint: hints.join('\n      '),
    details: { problems: errors.map((e) => ({ code: e.code, message: e.message, ...e.details })) },
  });
}
