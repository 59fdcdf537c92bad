import type { EngineStats } from '../engine/index.js';

/**
 * Per-engine gauges and counters of a pool, in Prometheus text format 0.0.4, from the pool's
 * snapshot (`Engine.stats()`); empty for a single engine. Kept apart from metrics.ts so that
 * whatever renders the daemon's other metrics can read the same snapshot.
 */
export function renderEngineMetrics(stats: readonly EngineStats[]): string {
  if (stats.length === 0) return '';
  const out: string[] = [];
  const family = (name: string, type: string, help: string, value: (s: EngineStats) => number): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const s of stats) out.push(`${name}{engine="${escape(s.engine)}"} ${value(s)}`);
  };
  family('hbuild_engine_up', 'gauge', 'Whether the engine passed its checks and takes builds (1), or is left out or not yet checked (0).', (s) => (s.health === 'ok' ? 1 : 0));
  family('hbuild_engine_slots', 'gauge', 'Build slots the engine offers.', (s) => s.slots);
  family('hbuild_engine_slots_busy', 'gauge', 'Build slots held by builds running now.', (s) => s.busy);
  family('hbuild_engine_builds_running', 'gauge', 'Builds running on the engine now.', (s) => s.running);
  family('hbuild_engine_builds_total', 'counter', 'Builds finished on the engine, built or failed.', (s) => s.builds);
  family('hbuild_engine_build_failures_total', 'counter', 'Builds that failed on the engine, those lost with it included.', (s) => s.failures);
  family('hbuild_engine_lost_total', 'counter', 'Times the engine was lost mid-run.', (s) => s.lost);
  return `${out.join('\n')}\n`;
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
