import type { HbuildEvent } from '../core/events.js';
import { applyEvent, createProgress, firstLine, headerLine, resultLine, rowKey, rowState, rowTime, statePhrase, type Progress } from './progress.js';
import { renderFrame } from './progress-table.js';

export type OutputMode = 'tty' | 'plain' | 'json' | 'quiet';

export interface Renderer {
  emit(event: HbuildEvent): void;
  /** Draw the final state and stop every timer; safe to call twice. */
  close(): void;
}

/** The clock and timers a renderer uses; tests pass fake ones. */
export interface RenderClock {
  now(): number;
  /** Call `fn` every `ms` until the returned function is called. */
  every(ms: number, fn: () => void): () => void;
  /** Call `fn` once after `ms`, unless the returned function is called first. */
  after(ms: number, fn: () => void): () => void;
}

/** A terminal-like stream: only what the live table needs of process.stderr. */
export type Out = Pick<NodeJS.WriteStream, 'write'> & { columns?: number; rows?: number };

export interface RendererOptions {
  clock?: RenderClock;
  /** Off a terminal: seconds between summary lines (0: none). Default HBUILD_PROGRESS_INTERVAL, else 10. */
  summaryEvery?: number;
}

/** Live redraws at most this often on events, and this often for the clock alone. */
const REDRAW_MS = 100;
const TICK_MS = 250;

export const realClock: RenderClock = {
  now: () => performance.now(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** The output mode of a command: `--json` events, `--quiet`, a live table on a terminal, lines otherwise. */
export function outputMode(flags: { json?: boolean; quiet?: boolean }, stream: { isTTY?: boolean } = process.stderr): OutputMode {
  if (flags.json) return 'json';
  if (flags.quiet) return 'quiet';
  return stream.isTTY ? 'tty' : 'plain';
}

/** One renderer per output mode; all consume the same typed events. */
export function createRenderer(mode: OutputMode, out: Out = process.stderr, options: RendererOptions = {}): Renderer {
  const clock = options.clock ?? realClock;
  if (mode === 'json') return { emit: (e) => process.stdout.write(`${JSON.stringify(e)}\n`), close: () => undefined };
  if (mode === 'quiet') return quietRenderer(out);
  if (mode === 'plain') return plainRenderer(out, clock, options.summaryEvery ?? summaryInterval());
  return liveRenderer(out, clock);
}

function summaryInterval(): number {
  const given = Number(process.env.HBUILD_PROGRESS_INTERVAL ?? '10');
  return Number.isFinite(given) && given >= 0 ? given : 10;
}

/** Only the result line, and errors. */
function quietRenderer(out: Out): Renderer {
  return {
    emit(event) {
      if (event.type === 'run' && event.status !== 'start') out.write(`${resultLine(event)}\n`);
      if (event.type === 'log' && event.level === 'error') out.write(`error: ${firstLine(event.message)}\n`);
    },
    close: () => undefined,
  };
}

/** The line a log event gets, on a terminal or off it. */
function logLine(event: Extract<HbuildEvent, { type: 'log' }>): string {
  return `${event.level === 'warn' ? 'warning' : event.level}: ${firstLine(event.message)}\n`;
}

/** Off a terminal: one line per state change of a package, and a summary line every `every` seconds. */
function plainRenderer(out: Out, clock: RenderClock, every: number): Renderer {
  const progress = createProgress();
  const said = new Map<string, string>();
  let stopTimer: (() => void) | undefined;
  const stop = (): void => {
    stopTimer?.();
    stopTimer = undefined;
  };
  return {
    emit(event) {
      const now = clock.now();
      applyEvent(progress, event, now);
      if (event.type === 'log') out.write(logLine(event));
      else if (event.type === 'run' && event.status === 'start') {
        out.write(`hbuild ${progress.kind}: ${event.packages} packages, ${event.jobs} jobs\n`);
        if (every > 0) stopTimer ??= clock.every(every * 1000, () => out.write(`${headerLine(progress, clock.now())}\n`));
      } else if (event.type === 'run') {
        stop();
        out.write(`${resultLine(event)}\n`);
      } else {
        const key = rowKey(event);
        const row = progress.rows.get(key)!;
        const state = rowState(row, progress.kind);
        const phrase = statePhrase(state);
        if (said.get(key) === phrase) return;
        said.set(key, phrase);
        const took = row.endedAt === undefined ? '' : ` (${rowTime(row, now)})`;
        const on = row.engine ? ` on ${row.engine}` : '';
        out.write(`${row.name} ${row.version}: ${state.word}${on}${took}${phrase.slice(state.word.length)}\n`);
      }
    },
    close: stop,
  };
}

/**
 * On a terminal: a header and one row per package, redrawn in place (on events, at most every
 * 100 ms, and four times a second for the clock), cut to the terminal's width and kept within
 * its height. When the run ends, the whole table and the result line stay on screen. Anything
 * else written to the stream meanwhile (a warning, Ctrl-C's notice) goes above the table.
 */
function liveRenderer(out: Out, clock: RenderClock): Renderer {
  const progress: Progress = createProgress();
  const original = out.write;
  const write = original.bind(out) as (text: string) => boolean;
  let drawn = 0;
  let finished = false;
  let lastDraw = -Infinity;
  let cancelDraw: (() => void) | undefined;
  const width = (): number => Math.max(20, out.columns ?? 80);

  const erase = (): string => (drawn > 0 ? `\r\x1b[${drawn}A\x1b[J` : '');
  const paint = (): void => {
    cancelDraw?.();
    cancelDraw = undefined;
    lastDraw = clock.now();
    const lines = renderFrame(progress, lastDraw, { width: width(), height: out.rows ?? 24 });
    // One write per frame, inside a synchronised update where the terminal has one: no flicker.
    write(`\x1b[?2026h${erase()}${lines.map((l) => `${l}\n`).join('')}\x1b[?2026l`);
    drawn = lines.length;
  };
  const schedule = (): void => {
    if (cancelDraw) return;
    cancelDraw = clock.after(Math.max(0, REDRAW_MS - (clock.now() - lastDraw)), paint);
  };
  const stopTick = clock.every(TICK_MS, () => {
    if (drawn > 0) paint();
  });

  // Other writes to the stream go above the table, which is drawn again below them.
  const foreign = (chunk: unknown, ...rest: unknown[]): boolean => {
    if (finished) return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    const hadTable = drawn > 0;
    write(erase());
    drawn = 0;
    const result = (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    if (hadTable) paint();
    return result;
  };
  out.write = foreign as Out['write'];
  // The cursor is hidden while the table is live; a forced exit (a second Ctrl-C) must show it again.
  const showCursor = (): void => void write('\x1b[?25h');
  process.once('exit', showCursor);
  write('\x1b[?25l');

  const finish = (): void => {
    if (finished) return;
    cancelDraw?.();
    stopTick();
    const now = clock.now();
    const lines = progress.rows.size > 0 ? renderFrame(progress, now, { width: width() }) : [];
    const end = progress.end ? `${resultLine(progress.end)}\n` : '';
    write(`${erase()}${lines.map((l) => `${l}\n`).join('')}${end}\x1b[?25h`);
    drawn = 0;
    finished = true;
    out.write = original;
    process.off('exit', showCursor);
  };

  return {
    emit(event) {
      if (finished) {
        if (event.type === 'log') write(logLine(event));
        return;
      }
      applyEvent(progress, event, clock.now());
      if (event.type === 'log') {
        write(erase());
        drawn = 0;
        write(logLine(event));
        paint();
      } else if (event.type === 'run' && event.status !== 'start') finish();
      else schedule();
    },
    close: finish,
  };
}
