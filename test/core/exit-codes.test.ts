import { describe, expect, it } from 'vitest';
import { EXIT, runExitCode, runStatusFor } from '../../src/core/exit-codes.js';
import { verifyExitCode } from '../../src/pipeline/summary.js';

describe('summaries and exit codes', () => {
  it('give every exit code one run status: done only for 0, cancelled only for 130, not reproducible only for 5', () => {
    const statuses = Object.fromEntries(Object.entries(EXIT).map(([name, code]) => [name, runStatusFor(code)]));

    expect(statuses).toEqual({
      ok: 'done',
      buildFailed: 'failed',
      usage: 'failed',
      integrity: 'failed',
      vetBlocked: 'failed',
      notReproducible: 'not-reproducible',
      docker: 'failed',
      diskFull: 'failed',
      cancelled: 'cancelled',
    });
  });

  it('word every verification outcome by its exit code', () => {
    const outcomes = ['reproducible', 'not-reproducible', 'pin-mismatch', 'build-failed', 'inconclusive'] as const;

    expect(outcomes.map((o) => [verifyExitCode(o), runStatusFor(verifyExitCode(o))])).toEqual([
      [0, 'done'],
      [5, 'not-reproducible'],
      [3, 'failed'],
      [1, 'failed'],
      [1, 'failed'],
    ]);
  });

  it('make a cancelled build exit 130 whatever its packages say, and otherwise the worst failure', () => {
    expect(runExitCode(['ERR_DEPENDENCY_FAILED', 'ERR_CANCELLED'], true)).toBe(130);
    expect(runExitCode(['ERR_CANCELLED', 'ERR_BUILD_FAILED', 'ERR_HASH_MISMATCH'], false)).toBe(3);
    expect(runExitCode([], false)).toBe(0);
  });
});
