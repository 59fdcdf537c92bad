import { register } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/daemon/metrics.js';
import { parsePrometheus } from '../helpers/prometheus.js';

describe("the daemon's metrics", () => {
  it('counts builds by outcome, cache hits and job durations in Prometheus text', async () => {
    const metrics = createMetrics(1_700_000_000_500);
    metrics.observeEvent({ type: 'package', name: 'a', version: '1', stage: 'check', status: 'done' });
    metrics.observeEvent({ type: 'package', name: 'a', version: '1', stage: 'build', status: 'done' });
    metrics.observeEvent({ type: 'package', name: 'b', version: '1', stage: 'build', status: 'cached' });
    metrics.observeEvent({ type: 'package', name: 'c', version: '1', stage: 'build', status: 'failed' });
    metrics.observeEvent({ type: 'log', level: 'info', message: 'not a package' });
    metrics.observeJob('build', 'succeeded', 3);
    metrics.observeJob('build', 'failed', 400);

    const { contentType, text } = await metrics.render({ queued: 4, running: 1 });
    const samples = parsePrometheus(text);

    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(Object.fromEntries([...samples].filter(([k]) => !k.startsWith('hbuild_job_duration_seconds') && !k.startsWith('hbuild_jobs_total')))).toEqual({
      hbuild_daemon_queue_depth: 4,
      hbuild_daemon_jobs_running: 1,
      hbuild_daemon_start_time_seconds: 1_700_000_000,
      'hbuild_packages_total{outcome="built"}': 1,
      'hbuild_packages_total{outcome="cached"}': 1,
      'hbuild_packages_total{outcome="failed"}': 1,
      'hbuild_packages_total{outcome="skipped"}': 0,
      hbuild_cache_hits_total: 1,
    });
    expect(samples.get('hbuild_jobs_total{kind="build",outcome="failed"}')).toBe(1);
    expect(samples.get('hbuild_jobs_total{kind="build",outcome="succeeded"}')).toBe(1);
    expect(samples.get('hbuild_jobs_total{kind="vet",outcome="cancelled"}')).toBe(0);
    expect(samples.get('hbuild_job_duration_seconds_bucket{kind="build",le="1"}')).toBe(0);
    expect(samples.get('hbuild_job_duration_seconds_bucket{kind="build",le="5"}')).toBe(1);
    expect(samples.get('hbuild_job_duration_seconds_bucket{kind="build",le="600"}')).toBe(2);
    expect(samples.get('hbuild_job_duration_seconds_bucket{kind="build",le="+Inf"}')).toBe(2);
    expect(samples.get('hbuild_job_duration_seconds_sum{kind="build"}')).toBe(403);
    expect(samples.get('hbuild_job_duration_seconds_count{kind="verify"}')).toBe(0);
    expect(text).toContain('# TYPE hbuild_job_duration_seconds histogram\n');
    expect(text).toContain('# TYPE hbuild_jobs_total counter\n');
  });

  it('keeps each daemon\'s counts in its own registry, none in the library\'s global one', async () => {
    const one = createMetrics(0);
    const two = createMetrics(0);
    one.observeJob('vet', 'succeeded', 1);

    const [a, b] = await Promise.all([one.render({ queued: 0, running: 0 }), two.render({ queued: 7, running: 0 })]);

    expect(parsePrometheus(a.text).get('hbuild_jobs_total{kind="vet",outcome="succeeded"}')).toBe(1);
    expect(parsePrometheus(b.text).get('hbuild_jobs_total{kind="vet",outcome="succeeded"}')).toBe(0);
    expect(parsePrometheus(b.text).get('hbuild_daemon_queue_depth')).toBe(7);
    expect(register.getMetricsAsArray()).toEqual([]);
  });

  it('the strict reader refuses what Prometheus would refuse', () => {
    const bad = [
      'hbuild_x 1\n',
      '# TYPE hbuild_x counter\nhbuild_x one\n',
      '# TYPE hbuild_x counter\nhbuild_x{a="1} 1\n',
      '# TYPE hbuild_x counter\nhbuild_x 1\nhbuild_x 2\n',
      '# TYPE hbuild_x counter\nhbuild_x 1',
      '# TYPE hbuild_h histogram\nhbuild_h_bucket{le="1"} 2\nhbuild_h_bucket{le="+Inf"} 1\nhbuild_h_count 1\n',
      '# TYPE hbuild_h histogram\nhbuild_h_bucket{le="+Inf"} 2\nhbuild_h_count 1\n',
    ];

    const refusals = bad.map((text) => {
      try {
        parsePrometheus(text);
        return 'accepted';
      } catch (err) {
        return (err as Error).message;
      }
    });

    expect(refusals).toEqual([
      expect.stringContaining('sample of an undeclared family'),
      expect.stringContaining('not a sample'),
      expect.stringContaining('not a sample'),
      expect.stringContaining('series appears twice'),
      'exposition does not end with a newline',
      expect.stringContaining('buckets are not cumulative'),
      expect.stringContaining('is not the count 1'),
    ]);
    expect(parsePrometheus('# a comment\n\n# TYPE hbuild_x gauge\nhbuild_x{b="2",a="x\\"y"} -Inf 1700000000\n')).toEqual(new Map([['hbuild_x{a="x\\"y",b="2"}', -Infinity]]));
  });
});
