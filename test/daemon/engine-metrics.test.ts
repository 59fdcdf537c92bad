import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerEngineMetrics } from '../../src/daemon/engine-metrics.js';
import type { EngineStats } from '../../src/engine/index.js';

async function scrape(stats: EngineStats[]): Promise<string> {
  const registry = new Registry();
  registerEngineMetrics(registry, () => stats);
  return registry.metrics();
}

describe('per-engine metrics', () => {
  it('exposes each engine of a pool: up, slots, busy slots, running builds, builds, failures, losses', async () => {
    const text = await scrape([
      { engine: 'tcp://10.0.0.2:2376', health: 'ok', apiVersion: '1.43', slots: 4, busy: 2, running: 2, builds: 7, failures: 1, lost: 0 },
      { engine: 'unix:///run/b.sock', health: 'down', reason: 'gone', slots: 1, busy: 0, running: 0, builds: 3, failures: 2, lost: 1 },
    ]);

    expect(text).toContain('# TYPE hbuild_engine_up gauge\nhbuild_engine_up{engine="tcp://10.0.0.2:2376"} 1\nhbuild_engine_up{engine="unix:///run/b.sock"} 0\n');
    expect(text).toContain('hbuild_engine_slots{engine="tcp://10.0.0.2:2376"} 4');
    expect(text).toContain('hbuild_engine_slots_busy{engine="tcp://10.0.0.2:2376"} 2');
    expect(text).toContain('hbuild_engine_builds_running{engine="tcp://10.0.0.2:2376"} 2');
    expect(text).toContain('# TYPE hbuild_engine_build_failures_total counter\nhbuild_engine_build_failures_total{engine="tcp://10.0.0.2:2376"} 1\nhbuild_engine_build_failures_total{engine="unix:///run/b.sock"} 2');
    expect(text).toContain('hbuild_engine_lost_total{engine="unix:///run/b.sock"} 1');
  });

  it('has no series for a single engine, and reads the snapshot anew at every scrape', async () => {
    const stats: EngineStats[] = [];
    const registry = new Registry();
    registerEngineMetrics(registry, () => stats);

    const empty = await registry.metrics();
    stats.push({ engine: 'unix:///a.sock', health: 'ok', slots: 2, busy: 1, running: 1, builds: 5, failures: 0, lost: 0 });
    const later = await registry.metrics();

    expect(empty).not.toMatch(/^hbuild_engine_\w+\{/m);
    expect(later).toContain('hbuild_engine_builds_total{engine="unix:///a.sock"} 5');
  });
});
