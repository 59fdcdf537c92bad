import type { ErrorCode } from '../core/errors.js';
import { EXIT, worstExitCode } from '../core/exit-codes.js';
import { vetLock } from '../pipeline/vet-lock.js';
import { renderVetText } from '../vet/report-text.js';
import { isRefused } from '../vet/verdict.js';
import { jobReport, type JobContext, type JobOutcome } from './job-runner.js';
import { checkJobPaths } from './roots.js';

/**
 * A `vet` job: exactly `hbuild vet`, through the same `vetLock`, with the exit code the CLI
 * would return and its text report in the summary. Paths are checked against the roots at run time.
 */
export async function runVetJob(context: JobContext): Promise<JobOutcome> {
  const { job, roots } = context;
  await checkJobPaths(job, roots);

  const vetted = await vetLock({
    lockPath: job.lockPath,
    storeRoot: context.storeRoot,
    sdistDirs: [],
    ...(job.options.only === undefined ? {} : { only: job.options.only }),
    engine: context.engine,
    log: context.log,
    emit: context.emit,
    signal: context.signal,
  });
  const codes: ErrorCode[] = vetted.flatMap((v) => (v.error ? [v.error.code] : v.result && isRefused(v.result) ? ['ERR_VET_BLOCKED' as const] : []));
  const report = renderVetText(vetted);
  return {
    exitCode: context.signal.aborted ? EXIT.cancelled : worstExitCode(codes),
    summary: {
      kind: 'vet',
      report: jobReport(report, 'truncated; run hbuild vet for the whole report'),
      data: {
        packages: vetted.map((v) => ({
          name: v.name,
          version: v.version,
          ...(v.result ? { verdict: v.result.verdict, findings: v.result.findings.length, ...(v.result.held ? { held: v.result.held.message } : {}) } : {}),
          ...(v.error ? { error: { code: v.error.code, message: v.error.message } } : {}),
        })),
      },
    },
  };
}
