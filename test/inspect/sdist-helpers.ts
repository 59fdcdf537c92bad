import { expect } from 'vitest';
import type { HbuildError } from '../../src/core/errors.js';
import { makeSdistEntries, type TarEntrySpec } from '../fixtures/tar.js';

/** The members of a `pkg-1.0` sdist with these files, a plain `setup.py` by default. */
export function base(files: Record<string, string> = { 'setup.py': 'setup()\n' }): TarEntrySpec[] {
  return makeSdistEntries('pkg', '1.0', files);
}

/** Assert an archive refusal: its code, the rule and member in its details and message, and a hint. */
export function expectRefused(err: HbuildError, rule: string, member: string): void {
  expect(err.code).toBe('ERR_ARCHIVE_UNSAFE');
  expect(err.details.rule).toBe(rule);
  expect(err.details.member).toBe(member);
  expect(err.message).toContain(JSON.stringify(member).slice(1, -1));
  expect(err.message).toContain(rule);
  expect(err.hint).toBeTruthy();
}
