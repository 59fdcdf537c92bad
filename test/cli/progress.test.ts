import { describe, expect, it } from 'vitest';
import type { HbuildEvent, PackageEvent, RunEndEvent } from '../../src/core/events.js';
import { applyEvent, createProgress, formatSeconds, headerLine, resultLine, rowState } from '../../src/cli/progress.js';
import { cellWidth, fit, renderFrame } from '../../src/cli/progress-table.js';

const pkg = (name: string, stage: PackageEvent['stage'], status: PackageEvent['status'], extra: Partial<PackageEvent> = {}): HbuildEvent => ({ type: 'package', name, version: '1.0', stage, status, ...extra });

/** Fold events into a progress, each at the given time in seconds. */
function progressOf(timed: Array<[number, HbuildEvent]>) {
  const progress = createProgress();
  for (const [at, event] of timed) applyEvent(progress, event, at * 1000);
  return progress;
}

const BUILD_START: HbuildEvent = { type: 'run', status: 'start', kind: 'build', packages: 3, jobs: 2 };

describe('the live table', () => {
  it('has a row per package and target in a lock with several targets', () => {
    const progress = progressOf([
      [0, { ...BUILD_START, packages: 2 }],
      [0, pkg('app', 'build', 'running', { target: 'py311' })],
      [0, pkg('app', 'build', 'cached', { target: 'py313' })],
    ]);

    expect([...progress.rows.keys()]).toEqual(['app [py311]', 'app [py313]']);
    expect(progress.total).toBe(2);
  });

  it('has a header with done/total, running, waiting, cached, failed and elapsed time, and per package state, time so far and what it waits for', () => {
    const progress = progressOf([
      [0, BUILD_START],
      [0, pkg('base', 'fetch', 'queued')],
      [0, pkg('app', 'fetch', 'queued')],
      [0, pkg('lib', 'fetch', 'queued')],
      [1, pkg('base', 'fetch', 'running')],
      [1, pkg('app', 'fetch', 'running')],
      [1, pkg('lib', 'fetch', 'running')],
      [2, pkg('base', 'build', 'running')],
      [2, pkg('app', 'vet', 'done', { message: 'pass' })],
      [2.5, pkg('app', 'build', 'waiting', { waitingFor: ['base', 'lib'] })],
      [3, pkg('lib', 'build', 'cached')],
      [3, pkg('app', 'build', 'waiting', { waitingFor: ['base'] })],
    ]);

    const frame = renderFrame(progress, 12_400, { width: 100 });

    expect(frame).toEqual([
      'hbuild build: 1/3 done · 1 running · 1 waiting · 1 cached · 0 failed · 12s',
      '  ▸ base 1.0  building   11s',
      '  … app 1.0   waiting    11s  for base',
      '  ✓ lib 1.0   cached    2.0s',
    ]);
  });

  it('names the engine of a pool a build runs on, in a column of its own only while some build has one', () => {
    const progress = progressOf([
      [0, BUILD_START],
      [1, pkg('base', 'build', 'running', { engine: 'tcp://10.0.0.2:2376' })],
      [2, pkg('lib', 'build', 'cached')],
    ]);
    const single = progressOf([[0, BUILD_START], [1, pkg('lib', 'build', 'cached')]]);

    const frame = renderFrame(progress, 3_000, { width: 100 });
    const plain = renderFrame(single, 3_000, { width: 100 });

    expect(frame.slice(1)).toEqual(['  ▸ base 1.0  building  2.0s  on tcp://10.0.0.2:2376', '  ✓ lib 1.0   cached    0.0s']);
    expect(plain.slice(1)).toEqual(['  ✓ lib 1.0  cached  0.0s']);
  });

  it('never shows a package that waits for its build requirements as done', () => {
    const progress = progressOf([[0, pkg('app', 'vet', 'done', { message: 'pass' })]]);
    const vetted = rowState(progress.rows.get('app')!, 'build');
    applyEvent(progress, pkg('app', 'build', 'waiting', { waitingFor: ['setuptools'] }), 1000);

    const waiting = rowState(progress.rows.get('app')!, 'build');

    expect(vetted).toMatchObject({ mark: '▸', word: 'vetted', phase: 'active' });
    expect(waiting).toEqual({ mark: '…', word: 'waiting', detail: 'for setuptools', phase: 'waiting' });
  });

  it('cuts every line to the terminal width instead of wrapping, and keeps within its height', () => {
    const events: Array<[number, HbuildEvent]> = [[0, { ...BUILD_START, packages: 30 }]];
    for (let i = 0; i < 30; i++) events.push([0, pkg(`package-with-a-long-name-${i}`, 'fetch', 'queued')]);
    events.push([1, pkg('package-with-a-long-name-29', 'build', 'failed', { message: `build exited with status 1\n${'x'.repeat(300)}` })]);
    events.push([1, pkg('package-with-a-long-name-17', 'build', 'running')]);

    const frame = renderFrame(progressOf(events), 2000, { width: 40, height: 10 });

    expect(frame).toHaveLength(9);
    expect(frame.every((line) => cellWidth(line) <= 40)).toBe(true);
    expect(frame[0]).toBe('hbuild build: 1/30 done · 1 running · 0…');
    // Work in progress and failures are kept in view, the rest in plan order.
    expect(frame.slice(1, -1).map((line) => line.split(' ')[3])).toEqual([0, 1, 2, 3, 4, 17, 29].map((i) => `package-with-a-long-name-${i}`));
    expect(frame[6]).toMatch(/^  ▸ package-with-a-long-name-17 1\.0 /);
    expect(frame[7]).toMatch(/^  ✗ package-with-a-long-name-29 1\.0 /);
    expect(frame.at(-1)).toBe('  … 23 more (0 finished, 23 not yet)');
  });

  it('counts wide characters as two columns and cuts them whole; controls in messages are neutralised', () => {
    const progress = progressOf([[0, pkg('a', 'build', 'failed', { message: '\u001b[2Jwiped 名前名前名前' })]]);

    const frame = renderFrame(progress, 0, { width: 200 });

    expect(frame[1]).toContain('?[2Jwiped 名前名前名前');
    expect(fit('名前名前', 5)).toBe('名前…');
    expect(cellWidth(fit('名前名前', 5))).toBe(5);
  });
});

describe('the words', () => {
  it('names each outcome by what it is', () => {
    const words = (status: PackageEvent['status'], stage: PackageEvent['stage'], kind: 'build' | 'verify' = 'build', message?: string) =>
      rowState({ name: 'a', version: '1', stage, status, ...(message ? { message } : {}) }, kind);

    expect(words('done', 'check')).toMatchObject({ word: 'built', phase: 'ok' });
    expect(words('cached', 'build')).toMatchObject({ word: 'cached', phase: 'ok' });
    expect(words('cancelled', 'build', 'build', 'build cancelled')).toMatchObject({ word: 'cancelled', phase: 'cancelled' });
    expect(words('skipped', 'build', 'build', 'not built: its build requirement b failed')).toMatchObject({ word: 'skipped', phase: 'skipped' });
    expect(words('queued', 'build')).toMatchObject({ word: 'queued', detail: 'for a build slot' });
    expect(words('done', 'check', 'verify', 'reproducible: identical under every variation')).toMatchObject({ word: 'reproducible', detail: 'identical under every variation' });
    expect(words('not-reproducible', 'check', 'verify', 'not reproducible: the umask changes it')).toMatchObject({ word: 'not reproducible', detail: 'the umask changes it', phase: 'bad' });
    expect(words('skipped', 'check', 'verify', 'inconclusive: no wheel')).toMatchObject({ word: 'inconclusive', detail: 'no wheel' });
    expect(words('done', 'build', 'verify', 'control: abc')).toMatchObject({ word: 'building', phase: 'active' });
  });

  it('gives the result line the word of its exit code and the count of each outcome', () => {
    const end = (e: Partial<RunEndEvent>): RunEndEvent => ({ type: 'run', status: 'done', ok: 0, failed: 0, cached: 0, seconds: 12.34, ...e });

    expect(resultLine(end({ kind: 'build', ok: 7, cached: 3 }))).toBe('hbuild: done: 4 built, 3 cached in 12s');
    expect(resultLine(end({ kind: 'build', status: 'failed', ok: 5, cached: 1, failed: 1, skipped: 2 }))).toBe('hbuild: failed: 4 built, 1 cached, 1 failed, 2 skipped in 12s');
    expect(resultLine(end({ kind: 'build', status: 'cancelled', ok: 1, cancelled: 3, seconds: 2 }))).toBe('hbuild: cancelled: 1 built, 0 cached, 3 cancelled in 2.0s');
    expect(resultLine(end({ kind: 'verify', status: 'not-reproducible', ok: 9, notReproducible: 7, seconds: 80 }))).toBe('hbuild: not reproducible: 9 reproducible, 7 not reproducible in 1m20s');
    expect(resultLine(end({ kind: 'verify', status: 'failed', ok: 1, pinMismatch: 1, failed: 1, skipped: 1 }))).toBe('hbuild: failed: 1 reproducible, 1 differs from its pin, 1 failed, 1 inconclusive in 12s');
    expect(resultLine(end({ kind: 'verify', ok: 3 }))).toBe('hbuild: done: 3 reproducible in 12s');
  });

  it('writes times short', () => {
    expect([0, 4.25, 42.9, 242, 3840].map(formatSeconds)).toEqual(['0.0s', '4.2s', '42s', '4m02s', '1h04m']);
  });

  it('stops the clock when the run ends', () => {
    const progress = progressOf([[0, BUILD_START], [5, { type: 'run', status: 'done', kind: 'build', ok: 0, failed: 0, cached: 0, seconds: 5 }]]);

    expect(headerLine(progress, 99_000)).toMatch(/ · 5\.0s$/);
  });
});
