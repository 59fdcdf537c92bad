import { constants, PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { collectReadBuffers } from '../../src/engine/scavenge.js';

describe('collectReadBuffers', () => {
  it('runs a minor collection (which frees the attach socket’s dead read buffers), each time it is called', async () => {
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) kinds.push((entry as unknown as { detail: { kind: number } }).detail.kind);
    });
    observer.observe({ entryTypes: ['gc'] });

    collectReadBuffers();
    collectReadBuffers();
    await sleep(100);
    observer.disconnect();

    expect(kinds.filter((k) => k === constants.NODE_PERFORMANCE_GC_MINOR).length).toBeGreaterThanOrEqual(2);
  });
});
