import type { BuildSummary } from '../pipeline/summary.js';

/**
 * The lines `hbuild build` prints after its events (in-process, or from a daemon job's summary):
 * each failure with its log tail and hint, what was not built because of it or of a cancel, and
 * where the wheelhouse is. `quiet` keeps the failures only.
 */
export function writeBuildReport(err: NodeJS.WritableStream, summary: BuildSummary, lockPath: string, options: { json?: boolean; quiet?: boolean; out?: string }): void {
  const skipped = summary.failures.filter((f) => f.code === 'ERR_DEPENDENCY_FAILED');
  const cancelled = summary.failures.filter((f) => f.code === 'ERR_CANCELLED');
  for (const failure of summary.failures) {
    // A cancelled package did not fail; one skipped for a failed requirement is named below (with --json, here too).
    if (failure.code === 'ERR_CANCELLED' || (failure.code === 'ERR_DEPENDENCY_FAILED' && !options.json)) continue;
    err.write(`✗ ${failure.name} ${failure.version} (${failure.stage}): ${failure.message}\n`);
    if (failure.logTail) err.write(`${failure.logTail.split('\n').map((l) => `    | ${l}`).join('\n')}\n`);
    if (failure.hint) err.write(`  hint: ${failure.hint}\n`);
  }
  if (options.quiet) return;
  if (skipped.length > 0) err.write(`– not built because a build requirement failed: ${skipped.map((f) => f.name).join(', ')}\n`);
  if (cancelled.length > 0) err.write(`– cancelled: ${cancelled.map((f) => f.name).join(', ')}\n`);
  if (summary.published) err.write(`wheelhouse: ${options.out ?? summary.outDir} (${summary.ok} wheels)\n`);
  if (summary.recorded > 0) err.write(`recorded ${summary.recorded} wheel ${summary.recorded === 1 ? 'hash' : 'hashes'} in ${lockPath}\n`);
}
