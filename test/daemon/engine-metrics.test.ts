import { describe, expect, it } from 'vitest';
import { renderEngineMetrics } from '../../src/daemon/engine-metrics.js';

describe('per-engine metrics', () => {
  it('renders each engine of a pool: up, slots, busy slots, running builds, builds, failures, losses', () => {
    const text = renderEngineMetrics([
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

  it('renders nothing for a single engine', () => {
    expect(renderEngineMetrics([])).toBe('');
  });
});
