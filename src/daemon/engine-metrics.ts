import { Counter, Gauge, type Registry } from 'prom-client';
import type { EngineStats } from '../engine/index.js';

type Read = (s: EngineStats) => number;

/**
 * Per-engine series of a pool, registered in the daemon's own registry and read from the
 * pool's snapshot (`Engine.stats()`) at every scrape; a single engine has none.
 */
export function registerEngineMetrics(registry: Registry, stats: () => readonly EngineStats[]): void {
  const registers = [registry];
  const gauge = (name: string, help: string, read: Read): void => {
    new Gauge({
      name,
      help,
      labelNames: ['engine'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of stats()) this.set({ engine: s.engine }, read(s));
      },
    });
  };
  // The pool keeps these counts; a scrape copies them, so the series stay monotonic as counters must.
  const counter = (name: string, help: string, read: Read): void => {
    new Counter({
      name,
      help,
      labelNames: ['engine'] as const,
      registers,
      collect() {
        this.reset();
        for (const s of stats()) this.inc({ engine: s.engine }, read(s));
      },
    });
  };
  gauge('hbuild_engine_up', 'Whether the engine passed its checks and takes builds (1), or is left out or not yet checked (0).', (s) => (s.health === 'ok' ? 1 : 0));
  gauge('hbuild_engine_slots', 'Build slots the engine offers.', (s) => s.slots);
  gauge('hbuild_engine_slots_busy', 'Build slots held by builds running now.', (s) => s.busy);
  gauge('hbuild_engine_builds_running', 'Builds running on the engine now.', (s) => s.running);
  counter('hbuild_engine_builds_total', 'Builds finished on the engine, built or failed.', (s) => s.builds);
  counter('hbuild_engine_build_failures_total', 'Builds that failed on the engine, those lost with it included.', (s) => s.failures);
  counter('hbuild_engine_lost_total', 'Times the engine was lost mid-run.', (s) => s.lost);
}
