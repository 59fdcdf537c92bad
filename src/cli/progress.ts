import type { HbuildEvent, PackageEvent, PackageStage, RunEndEvent, RunKind } from '../core/events.js';

/**
 * The progress of one run as plain data, folded from its events with the time each arrived.
 * Both the live table and the off-terminal lines are drawn from it; nothing here does I/O.
 */
export interface Progress {
  kind: RunKind;
  /** Packages in the run (from its start event; at least the packages seen). */
  total: number;
  jobs?: number;
  /** When the run started, in the clock's milliseconds. */
  startedAt?: number;
  rows: Map<string, Row>;
  end?: RunEndEvent;
}

/** One package as its latest event left it. */
export interface Row {
  name: string;
  version: string;
  stage: PackageStage;
  status: PackageEvent['status'];
  message?: string;
  waitingFor?: string[];
  /** The engine of a pool the build runs or ran on. */
  engine?: string;
  /** First event that was more than "queued". */
  startedAt?: number;
  /** The event that finished it. */
  endedAt?: number;
}

/** How a row looks: a mark, one word for its state, what it is about, and where that puts it in the counts. */
export interface RowState {
  mark: string;
  word: string;
  detail: string;
  phase: 'queued' | 'active' | 'waiting' | 'ok' | 'bad' | 'skipped' | 'cancelled';
}

export function createProgress(kind: RunKind = 'build'): Progress {
  return { kind, total: 0, rows: new Map() };
}

const TERMINAL: ReadonlySet<string> = new Set(['ok', 'bad', 'skipped', 'cancelled']);

/** Fold one event into the progress; `now` is the clock's time in milliseconds. */
export function applyEvent(progress: Progress, event: HbuildEvent, now: number): void {
  if (event.type === 'run') {
    if (event.status === 'start') {
      progress.kind = event.kind ?? progress.kind;
      progress.total = Math.max(progress.total, event.packages);
      progress.jobs = event.jobs;
      progress.startedAt ??= now;
    } else {
      progress.kind = event.kind ?? progress.kind;
      progress.end = event;
    }
    return;
  }
  if (event.type !== 'package') return;
  progress.startedAt ??= now;
  const key = rowKey(progress, event);
  const known = progress.rows.get(key);
  const row: Row = { ...known, name: event.target ? `${event.name} [${event.target}]` : event.name, version: event.version, stage: event.stage, status: event.status };
  delete row.message;
  delete row.waitingFor;
  if (event.message) row.message = event.message;
  if (event.waitingFor) row.waitingFor = event.waitingFor;
  if (event.engine) row.engine = event.engine;
  if (event.status !== 'queued') row.startedAt ??= now;
  if (TERMINAL.has(rowState(row, progress.kind).phase)) row.endedAt ??= now;
  else delete row.endedAt;
  progress.rows.set(key, row);
  progress.total = Math.max(progress.total, progress.rows.size);
}

/** A package's row: one per target in a lock with several, shown as `name [target]`. */

const ACTIVE_WORD: Record<PackageStage, string> = {
  fetch: 'fetching',
  inspect: 'inspecting',
  vet: 'vetting',
  build: 'building',
  check: 'checking',
  publish: 'publishing',
};
/** After a stage is done, the package is in the next one. */
const AFTER: Record<PackageStage, string> = { fetch: 'inspecting', inspect: 'vetting', vet: 'vetted', build: 'checking', check: 'built', publish: 'published' };

/** The one place a package's event becomes words. */
export function rowState(row: Row, kind: RunKind): RowState {
  const detail = firstLine(row.message);
  switch (row.status) {
    case 'queued':
      return { mark: '·', word: 'queued', detail: row.stage === 'fetch' ? '' : 'for a build slot', phase: 'queued' };
    case 'waiting':
      return { mark: '…', word: 'waiting', detail: `for ${(row.waitingFor ?? []).join(', ')}`, phase: 'waiting' };
    case 'running':
      return { mark: '▸', word: ACTIVE_WORD[row.stage], detail, phase: 'active' };
    case 'done':
      if (row.stage === 'check') return { mark: '✓', word: kind === 'verify' ? 'reproducible' : 'built', detail: withoutWord(detail, 'reproducible'), phase: 'ok' };
      // A verification builds several times: between builds it is still building.
      if (row.stage === 'build' && kind === 'verify') return { mark: '▸', word: 'building', detail, phase: 'active' };
      return { mark: '▸', word: AFTER[row.stage], detail: row.stage === 'fetch' ? '' : detail, phase: 'active' };
    case 'cached':
      return { mark: '✓', word: 'cached', detail: '', phase: 'ok' };
    case 'failed':
      return { mark: '✗', word: 'failed', detail: withoutWord(detail, 'failed'), phase: 'bad' };
    case 'not-reproducible':
      return { mark: '✗', word: 'not reproducible', detail: withoutWord(detail, 'not reproducible'), phase: 'bad' };
    case 'skipped':
      return kind === 'verify'
        ? { mark: '–', word: 'inconclusive', detail: withoutWord(detail, 'inconclusive'), phase: 'skipped' }
        : { mark: '–', word: 'skipped', detail, phase: 'skipped' };
    case 'cancelled':
      return { mark: '–', word: 'cancelled', detail: withoutWord(detail, 'cancelled'), phase: 'cancelled' };
  }
}

/** A row's state as one phrase: "waiting for a, b", "failed: message", "built". */
export function statePhrase(state: RowState): string {
  if (!state.detail) return state.word;
  return `${state.word}${state.detail.startsWith('for ') ? ' ' : ': '}${state.detail}`;
}

/** Seconds the package has taken so far (or took), as shown; empty while only queued. */
export function rowTime(row: Row, now: number): string {
  if (row.startedAt === undefined) return '';
  return formatSeconds(((row.endedAt ?? now) - row.startedAt) / 1000);
}

export interface Counts {
  done: number;
  total: number;
  running: number;
  waiting: number;
  cached: number;
  failed: number;
  notReproducible: number;
  skipped: number;
  cancelled: number;
}

export function countRows(progress: Progress): Counts {
  const counts: Counts = { done: 0, total: progress.total, running: 0, waiting: 0, cached: 0, failed: 0, notReproducible: 0, skipped: 0, cancelled: 0 };
  for (const row of progress.rows.values()) {
    const { phase } = rowState(row, progress.kind);
    if (TERMINAL.has(phase)) counts.done++;
    if (phase === 'active') counts.running++;
    if (phase === 'waiting') counts.waiting++;
    if (row.status === 'cached') counts.cached++;
    if (row.status === 'failed') counts.failed++;
    if (row.status === 'not-reproducible') counts.notReproducible++;
    if (phase === 'skipped') counts.skipped++;
    if (phase === 'cancelled') counts.cancelled++;
  }
  return counts;
}

/** "hbuild build: 3/7 done · 2 running · 1 waiting · 1 cached · 0 failed · 12s" */
export function headerLine(progress: Progress, now: number): string {
  const c = countRows(progress);
  const parts = [`${c.done}/${c.total} done`, `${c.running} running`];
  if (c.waiting > 0) parts.push(`${c.waiting} waiting`);
  if (progress.kind === 'build') parts.push(`${c.cached} cached`);
  parts.push(`${c.failed} failed`);
  if (c.notReproducible > 0) parts.push(`${c.notReproducible} not reproducible`);
  if (c.skipped > 0) parts.push(`${c.skipped} ${progress.kind === 'verify' ? 'inconclusive' : 'skipped'}`);
  if (c.cancelled > 0) parts.push(`${c.cancelled} cancelled`);
  const seconds = progress.end ? progress.end.seconds : progress.startedAt === undefined ? 0 : (now - progress.startedAt) / 1000;
  parts.push(formatSeconds(seconds));
  return `hbuild ${progress.kind}: ${parts.join(' · ')}`;
}

const RUN_WORD: Record<RunEndEvent['status'], string> = { done: 'done', failed: 'failed', cancelled: 'cancelled', 'not-reproducible': 'not reproducible' };

/**
 * The result line: how the run ended, in the word its exit code has, and what happened
 * to its packages. "hbuild: not reproducible: 9 reproducible, 7 not reproducible in 1m20s"
 */
export function resultLine(end: RunEndEvent): string {
  const parts: string[] = [];
  const add = (n: number | undefined, words: string, always = false): void => {
    if ((n ?? 0) > 0 || always) parts.push(`${n ?? 0} ${words}`);
  };
  if (end.kind === 'verify') {
    add(end.ok, 'reproducible', true);
    add(end.notReproducible, 'not reproducible', end.status === 'not-reproducible');
    add(end.pinMismatch, end.pinMismatch === 1 ? 'differs from its pin' : 'differ from their pins');
    add(end.failed, 'failed');
    add(end.skipped, 'inconclusive');
  } else {
    add(end.ok - end.cached, 'built', true);
    add(end.cached, 'cached', true);
    add(end.failed, 'failed', end.status === 'failed');
    add(end.skipped, 'skipped');
  }
  add(end.cancelled, 'cancelled');
  return `hbuild: ${RUN_WORD[end.status]}: ${parts.join(', ')} in ${formatSeconds(end.seconds)}`;
}

/** 4.2s, 42s, 4m02s, 1h04m. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 10) return `${(Math.floor(s * 10) / 10).toFixed(1)}s`;
  if (s < 60) return `${Math.floor(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

// C0/C1 controls and bidi overrides: text from a build must not drive the terminal.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** The first line of a message, with nothing in it that a terminal would act on. */
export function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0]!.replace(UNSAFE, '?').trim();
}

function withoutWord(detail: string, word: string): string {
  return detail.startsWith(`${word}: `) ? detail.slice(word.length + 2) : detail === word ? '' : detail;
}

/**
 * The row of a package event: its name, or `name==version` for a second version of a name
 * (a lock may hold several versions of one build backend).
 */
export function rowKey(progress: Progress, event: { name: string; version: string; target?: string }): string {
  const suffix = event.target ? ` [${event.target}]` : '';
  const first = progress.rows.get(`${event.name}${suffix}`);
  const base = first === undefined || first.version === event.version ? event.name : `${event.name}==${event.version}`;
  return `${base}${suffix}`;
}
