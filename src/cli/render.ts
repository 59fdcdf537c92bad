import type { HbuildEvent } from '../core/events.js';

export type OutputMode = 'tty' | 'plain' | 'json';

export interface Renderer {
  emit(event: HbuildEvent): void;
  close(): void;
}

/** One renderer per output mode; all consume the same typed events. */
export function createRenderer(mode: OutputMode, out: NodeJS.WritableStream = process.stderr): Renderer {
  if (mode === 'json') return { emit: (e) => process.stdout.write(`${JSON.stringify(e)}\n`), close: () => undefined };
  if (mode === 'plain') return { emit: (e) => out.write(plainLine(e)), close: () => undefined };
  return liveRenderer(out);
}

export function plainLine(event: HbuildEvent): string {
  switch (event.type) {
    case 'run':
      return event.status === 'start'
        ? `hbuild: ${event.packages} packages, ${event.jobs} jobs\n`
        : `hbuild: ${event.status}: ${event.ok} ok (${event.cached} cached), ${event.failed} failed in ${event.seconds.toFixed(1)} s\n`;
    case 'package':
      return `${event.name} ${event.version}: ${event.stage} ${event.status}${event.engine ? ` on ${event.engine}` : ''}${event.message ? `: ${event.message}` : ''}\n`;
    case 'log':
      return `${event.level}: ${event.message}\n`;
  }
}

/** A live table: one line per package, redrawn in place on a terminal. */
function liveRenderer(out: NodeJS.WritableStream): Renderer {
  const rows = new Map<string, string>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;
  const draw = (): void => {
    timer = undefined;
    const lines = [...rows.values()];
    out.write(`${drawn > 0 ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
    drawn = lines.length;
  };
  return {
    emit(event) {
      if (event.type === 'package') {
        const mark = { queued: '·', running: '▸', done: '✓', cached: '✓', failed: '✗', skipped: '–' }[event.status];
        rows.set(event.name, `${mark} ${event.name} ${event.version}  ${event.stage} ${event.status}${event.engine ? ` on ${event.engine}` : ''}${event.message && event.status === 'failed' ? `: ${event.message.split('\n')[0]}` : ''}`);
        timer ??= setTimeout(draw, 80);
        return;
      }
      if (timer) {
        clearTimeout(timer);
        draw();
      }
      if (event.type === 'log' || event.status !== 'start') {
        out.write(plainLine(event));
        drawn = 0;
      }
    },
    close() {
      if (timer) {
        clearTimeout(timer);
        draw();
      }
    },
  };
}
