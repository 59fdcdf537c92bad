import type { BuildSummary } from '../pipeline/summary.js';

/** The lines `hbuild build` prints after its events, from a daemon job's summary. */
export function writeBuildReport(err: NodeJS.WritableStream, summary: BuildSummary, lockPath: string, options: { json?: boolean; out?: string }): void {
  for (const failure of summary.failures) {
    if (failure.code === 'ERR_DEPENDENCY_FAILED' && !options.json) continue;
    err.write(`✗ ${failure.name} ${failure.version} (${failure.stage}): ${failure.message}\n`);
    if (failure.logTail) err.write(`${failure.logTail.split('\n').map((l) => `    | ${l}`).join('\n')}\n`);
    if (failure.hint) err.write(`  hint: ${failure.hint}\n`);
  }
  const skipped = summary.failures.filter((f) => f.code === 'ERR_DEPENDENCY_FAILED');
  if (skipped.length > 0) err.write(`– not built because a build requirement failed: ${skipped.map((f) => f.name).join(', ')}\n`);
  if (summary.published) err.write(`wheelhouse: ${options.out ?? summary.outDir} (${summary.ok} wheels)\n`);
  if (summary.recorded > 0) err.write(`recorded ${summary.recorded} wheel ${summary.recorded === 1 ? 'hash' : 'hashes'} in ${lockPath}\n`);
}
