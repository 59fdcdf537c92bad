import { describe, expect, it } from 'vitest';
import type { HbuildEvent } from '../../src/core/events.js';
import { createRenderer, outputMode, type Out, type RenderClock } from '../../src/cli/render.js';

/** A clock that moves only when told, running the timers that fall due. */
function fakeClock() {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; every?: number; fn: () => void }>();
  const clock: RenderClock = {
    now: () => now,
    every(ms, fn) {
      const id = next++;
      timers.set(id, { at: now + ms, every: ms, fn });
      return () => timers.delete(id);
    },
    after(ms, fn) {
      const id = next++;
      timers.set(id, { at: now + ms, fn });
      return () => timers.delete(id);
    },
  };
  const advance = (ms: number): void => {
    const until = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort(([, a], [, b]) => a.at - b.at)[0];
      if (!due) break;
      const [id, timer] = due;
      now = timer.at;
      if (timer.every) timer.at += timer.every;
      else timers.delete(id);
      timer.fn();
    }
    now = until;
  };
  return { clock, advance };
}

/** A stream that keeps every write. */
function recorder(size: { columns?: number; rows?: number } = {}): Out & { writes: string[]; text(): string } {
  const writes: string[] = [];
  return {
    ...size,
    writes,
    write: ((chunk: string) => (writes.push(String(chunk)), true)) as Out['write'],
    text: () => writes.join(''),
  };
}

const pkg = (name: string, stage: string, status: string, extra: object = {}): HbuildEvent => ({ type: 'package', name, version: '1.0', stage, status, ...extra }) as HbuildEvent;
const START: HbuildEvent = { type: 'run', status: 'start', kind: 'build', packages: 2, jobs: 2 };
const END: HbuildEvent = { type: 'run', status: 'done', kind: 'build', ok: 2, failed: 0, cached: 1, seconds: 21.5 };

describe('off a terminal', () => {
  it('writes one line per state change, with the time of each finished package, and a summary every 10 s', () => {
    const { clock, advance } = fakeClock();
    const out = recorder();
    const renderer = createRenderer('plain', out, { clock, summaryEvery: 10 });

    renderer.emit(START);
    renderer.emit(pkg('base', 'fetch', 'queued'));
    renderer.emit(pkg('app', 'fetch', 'queued'));
    advance(1000);
    renderer.emit(pkg('base', 'fetch', 'running'));
    renderer.emit(pkg('app', 'fetch', 'running'));
    renderer.emit(pkg('app', 'build', 'waiting', { waitingFor: ['base'] }));
    renderer.emit(pkg('app', 'build', 'waiting', { waitingFor: ['base'] }));
    renderer.emit(pkg('base', 'build', 'running'));
    advance(11_000);
    renderer.emit(pkg('base', 'check', 'done', { message: 'abc123' }));
    renderer.emit(pkg('app', 'build', 'cached'));
    advance(9_500);
    renderer.emit(END);
    advance(30_000);
    renderer.close();

    expect(out.text()).toBe(
      [
        'hbuild build: 2 packages, 2 jobs',
        'base 1.0: queued',
        'app 1.0: queued',
        'base 1.0: fetching',
        'app 1.0: fetching',
        'app 1.0: waiting for base',
        'base 1.0: building',
        'hbuild build: 0/2 done · 1 running · 1 waiting · 0 cached · 0 failed · 10s',
        'base 1.0: built (11s): abc123',
        'app 1.0: cached (11s)',
        'hbuild build: 2/2 done · 0 running · 2 cached · 0 failed · 20s',
        'hbuild: done: 1 built, 1 cached in 21s',
        '',
      ].join('\n').replace('2 cached · 0 failed · 20s', '1 cached · 0 failed · 20s'),
    );
  });

  it('with --quiet writes only the result line and errors', () => {
    const out = recorder();
    const renderer = createRenderer('quiet', out);

    renderer.emit(START);
    renderer.emit(pkg('base', 'build', 'running'));
    renderer.emit({ type: 'log', level: 'warn', message: 'the store copy was corrupt' });
    renderer.emit({ type: 'log', level: 'error', message: 'the disk is full' });
    renderer.emit({ ...END, status: 'cancelled', ok: 0, cached: 0, cancelled: 2 } as HbuildEvent);

    expect(out.text()).toBe('error: the disk is full\nhbuild: cancelled: 0 built, 0 cached, 2 cancelled in 21s\n');
  });

  it('picks the mode from --json, --quiet and whether stderr is a terminal', () => {
    expect([outputMode({ json: true, quiet: true }, { isTTY: true }), outputMode({ quiet: true }, { isTTY: true }), outputMode({}, { isTTY: true }), outputMode({}, {})]).toEqual([
      'json',
      'quiet',
      'tty',
      'plain',
    ]);
  });
});

describe('on a terminal', () => {
  it('redraws in place, one write a frame, at most every 100 ms on events, and keeps the final table and result line', () => {
    const { clock, advance } = fakeClock();
    const out = recorder({ columns: 80, rows: 20 });
    const renderer = createRenderer('tty', out, { clock });
    out.writes.length = 0;

    renderer.emit(START);
    renderer.emit(pkg('base', 'fetch', 'queued'));
    renderer.emit(pkg('app', 'fetch', 'queued'));
    advance(50);
    const first = out.writes.splice(0);
    renderer.emit(pkg('base', 'build', 'running'));
    renderer.emit(pkg('app', 'build', 'waiting', { waitingFor: ['base'] }));
    advance(20);
    const early = out.writes.splice(0);
    advance(30);
    const second = out.writes.splice(0);
    advance(1050);
    const ticks = out.writes.splice(0);
    renderer.emit(pkg('base', 'check', 'done'));
    renderer.emit(pkg('app', 'build', 'cached'));
    renderer.emit(END);
    const last = out.writes.splice(0).join('');
    renderer.close();

    expect(first).toHaveLength(1);
    expect(first[0]).toBe('\x1b[?2026hhbuild build: 0/2 done · 0 running · 0 cached · 0 failed · 0.0s\n  · base 1.0  queued\n  · app 1.0   queued\n\x1b[?2026l');
    expect(early).toEqual([]);
    expect(second).toHaveLength(1);
    expect(second[0]).toContain('\r\x1b[3A\x1b[J');
    expect(second[0]).toContain('  … app 1.0   waiting   0.0s  for base\n');
    // The clock alone redraws four times a second.
    expect(ticks).toHaveLength(4);
    expect(ticks.at(-1)).toContain('· 1.0s\n');
    expect(last).toBe(
      '\r\x1b[3A\x1b[Jhbuild build: 2/2 done · 0 running · 1 cached · 0 failed · 21s\n  ✓ base 1.0  built   1.1s\n  ✓ app 1.0   cached  1.1s\n' +
        'hbuild: done: 1 built, 1 cached in 21s\n\x1b[?25h',
    );
  });

  it('puts other writes to the stream (a warning, the Ctrl-C notice) above the table and draws it again below', () => {
    const { clock, advance } = fakeClock();
    const out = recorder({ columns: 80, rows: 20 });
    const renderer = createRenderer('tty', out, { clock });
    renderer.emit(START);
    renderer.emit(pkg('base', 'build', 'running'));
    advance(100);
    out.writes.length = 0;

    out.write('\nhbuild: stopping; removing containers (Ctrl-C again to force)\n');
    renderer.emit({ type: 'log', level: 'warn', message: 'slow engine' });
    const seen = out.writes.splice(0);
    renderer.close();

    expect(seen[0]).toBe('\r\x1b[2A\x1b[J');
    expect(seen[1]).toBe('\nhbuild: stopping; removing containers (Ctrl-C again to force)\n');
    expect(seen[2]).toContain('hbuild build: 0/2 done · 1 running');
    expect(seen.slice(3, 5)).toEqual(['\r\x1b[2A\x1b[J', 'warning: slow engine\n']);
    expect(seen[5]).toContain('  ▸ base 1.0  building');
  });
});
