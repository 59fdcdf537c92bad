import { z } from 'zod';
import { EXIT, type ExitCode } from '../core/exit-codes.js';
import type { VerifyOutcome } from '../verify/types.js';
import type { BuildLockResult } from './build-lock.js';

/** Log tail kept per failure in a summary. */
const MAX_LOG_TAIL = 8192;

/** One package that did not make it, as a summary reports it. */
export const FailureSummary = z.strictObject({
  name: z.string(),
  version: z.string(),
  stage: z.string(),
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  logTail: z.string().optional(),
});
export type FailureSummary = z.infer<typeof FailureSummary>;

/** What a finished build reports: what the CLI prints after its events, and what a daemon job keeps. */
export const BuildSummary = z.strictObject({
  kind: z.literal('build'),
  packages: z.int(),
  ok: z.int(),
  cached: z.int(),
  published: z.boolean(),
  recorded: z.int(),
  outDir: z.string(),
  failures: z.array(FailureSummary),
});
export type BuildSummary = z.infer<typeof BuildSummary>;

/** A build's outcome as plain data. */
export function summarize(result: BuildLockResult, outDir: string): BuildSummary {
  return {
    kind: 'build',
    packages: result.records.length + result.failures.length,
    ok: result.records.length,
    cached: result.records.filter((r) => r.cached).length,
    published: result.published,
    recorded: result.recorded,
    outDir,
    failures: result.failures.map((f): FailureSummary => {
      const tail = f.error.details.logTail;
      return {
        name: f.name,
        version: f.version,
        stage: f.stage,
        code: f.error.code,
        message: f.error.message,
        ...(f.error.hint ? { hint: f.error.hint } : {}),
        ...(typeof tail === 'string' && tail ? { logTail: tail.slice(-MAX_LOG_TAIL) } : {}),
      };
    }),
  };
}

const VERIFY_EXIT: Record<VerifyOutcome, ExitCode> = {
  reproducible: EXIT.ok,
  'not-reproducible': EXIT.notReproducible,
  'pin-mismatch': EXIT.integrity,
  'build-failed': EXIT.buildFailed,
  inconclusive: EXIT.buildFailed,
};

/** The exit code of a verification run, for the CLI and the daemon alike. */
export function verifyExitCode(outcome: VerifyOutcome): ExitCode {
  return VERIFY_EXIT[outcome];
}
