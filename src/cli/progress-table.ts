import { headerLine, rowState, rowTime, type Progress, type Row, type RowState } from './progress.js';

/** What one table line is drawn from. */
export interface RowView {
  row: Row;
  state: RowState;
  time: string;
}

/**
 * The table's columns, left to right. A new column (an engine, say) is one more entry here;
 * widths follow the content, and the last column takes what is left of the line.
 */
interface Column {
  cell: (view: RowView) => string;
  align?: 'right';
  /** Widest the column grows before its cells are cut. */
  max?: number;
  /** Left out of the table while no row has anything in it (the engine, outside a pool). */
  optional?: boolean;
}

const COLUMNS: Column[] = [
  { cell: (v) => v.state.mark },
  { cell: (v) => `${v.row.name} ${v.row.version}`, max: 48 },
  { cell: (v) => v.state.word },
  { cell: (v) => v.time, align: 'right' },
  { cell: (v) => (v.row.engine ? `on ${v.row.engine}` : ''), max: 32, optional: true },
  { cell: (v) => v.state.detail },
];

export interface FrameOptions {
  /** Terminal columns: every line is cut to fit, never wrapped. */
  width: number;
  /** Terminal rows: a live frame keeps within them (the final one lists every package). */
  height?: number;
}

/** What to show first when not every package fits: work in progress, then trouble, then the rest. */
const PRIORITY: Record<RowState['phase'], number> = { active: 0, waiting: 1, bad: 2, cancelled: 3, skipped: 3, queued: 4, ok: 5 };

/** The header and one line per package, each at most `width` columns. */
export function renderFrame(progress: Progress, now: number, options: FrameOptions): string[] {
  const views = [...progress.rows.values()].map((row): RowView => ({ row, state: rowState(row, progress.kind), time: rowTime(row, now) }));
  const room = options.height === undefined ? Infinity : Math.max(2, options.height - 2);
  let shown = views;
  let more = '';
  if (views.length > room) {
    const keep = new Set(
      [...views.entries()]
        .sort(([ia, a], [ib, b]) => PRIORITY[a.state.phase] - PRIORITY[b.state.phase] || ia - ib)
        .slice(0, room - 1)
        .map(([i]) => i),
    );
    shown = views.filter((_, i) => keep.has(i));
    const hidden = views.filter((_, i) => !keep.has(i));
    const done = hidden.filter((v) => PRIORITY[v.state.phase] >= 5).length;
    more = `  … ${hidden.length} more (${done} finished, ${hidden.length - done} not yet)`;
  }
  const lines = [headerLine(progress, now), ...tableLines(shown), ...(more ? [more] : [])];
  return lines.map((line) => fit(line, options.width));
}

function tableLines(views: RowView[]): string[] {
  const columns = COLUMNS.filter((c) => !c.optional || views.some((v) => c.cell(v) !== ''));
  const cells = views.map((v) => columns.map((c) => c.cell(v)));
  const widths = columns.map((c, i) => Math.min(c.max ?? Infinity, Math.max(0, ...cells.map((row) => cellWidth(row[i] ?? '')))));
  return cells.map((row) => {
    const padded = row.map((text, i) => {
      const column = columns[i]!;
      if (i === columns.length - 1) return text;
      const cut = fit(text, widths[i]!);
      const pad = ' '.repeat(Math.max(0, widths[i]! - cellWidth(cut)));
      return column.align === 'right' ? pad + cut : cut + pad;
    });
    const [mark = '', ...rest] = padded;
    return `  ${mark} ${rest.join('  ')}`.trimEnd();
  });
}

/** Cut a line to `width` terminal columns, marking the cut with "…". */
export function fit(text: string, width: number): string {
  if (cellWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/** Terminal columns a string takes: wide East Asian characters take two, combining marks none. */
export function cellWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch);
  return width;
}

function charWidth(ch: string): number {
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (/\p{Mn}|\p{Me}/u.test(ch)) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}
