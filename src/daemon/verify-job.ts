import { verifyExitCode } from '../pipeline/summary.js';
import { jobReport, type JobContext, type JobOutcome } from './job-runner.js';
import { checkJobPaths } from './roots.js';
import { EXIT } from '../core/exit-codes.js';
import { renderSummary } from '../verify/summary.js';
import { verifyLock } from '../pipeline/verify-lock.js';

/**
 * The daemon's runner for `verify` jobs (and so for scheduled nightly runs),
 * shaped like the build runner: exactly `hbuild verify`, through the same
 * `verifyLock`, with the exit code the CLI would return. The summary carries
 * the text the CLI prints and where the report and history record are.
 * Register it with `kinds.registerJobKind('verify', verifyJobRunner)`.
 */
export async function verifyJobRunner(context: JobContext): Promise<JobOutcome> {
  const { job, roots } = context;
  await checkJobPaths(job, roots);

  const result = await verifyLock({
    lockPath: job.lockPath,
    storeRoot: context.storeRoot,
    ...(job.options.jobs === undefined ? {} : { jobs: job.options.jobs }),
    ...(job.options.only === undefined ? {} : { only: job.options.only }),
    ...(job.options.target === undefined ? {} : { target: job.options.target }),
    sdistDirs: [],
    engine: context.engine,
    log: context.log,
    emit: context.emit,
    signal: context.signal,
  });
  const report = renderSummary(result);
  return {
    exitCode: context.signal.aborted ? EXIT.cancelled : verifyExitCode(result.outcome),
    summary: {
      kind: 'verify',
      report: jobReport(report, `see ${result.reportDir}/index.html`),
      data: {
        outcome: result.outcome,
        counts: result.summary,
        variations: result.variations,
        reportDir: result.reportDir,
        html: `${result.reportDir}/index.html`,
        history: result.historyPath,
        packages: result.packages.map((p) => ({ name: p.name, version: p.version, status: p.status, pin: p.pin, culprits: p.culprits, ...(p.history ? { history: p.history.message } : {}) })),
      },
    },
  };
}
