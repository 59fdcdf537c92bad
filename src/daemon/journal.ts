import { open, readFile, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { JournalEntry, type Job } from './schema.js';

export interface JournalState {
  jobs: Map<string, Job>;
  /** The daemon that wrote the journal last, if it said so. */
  previousDaemon?: { pid: number; host: string };
  /** Lines that did not parse (a write torn by a crash is the expected one). */
  skipped: number;
}

/** Replay journal entries into job records: pure, so recovery is unit-tested without a process to kill. */
export function foldJournal(entries: Iterable<JournalEntry>): Omit<JournalState, 'skipped'> {
  const jobs = new Map<string, Job>();
  let previousDaemon: JournalState['previousDaemon'];
  for (const entry of entries) {
    if (entry.op === 'daemon') {
      previousDaemon = { pid: entry.pid, host: entry.host };
      continue;
    }
    if (entry.op === 'job') {
      jobs.set(entry.job.id, entry.job);
      continue;
    }
    const job = jobs.get(entry.id);
    if (!job) continue;
    if (entry.op === 'start') {
      jobs.set(job.id, { ...job, state: 'running', startedAt: entry.at, attempts: job.attempts + 1 });
    } else if (entry.op === 'requeue') {
      jobs.set(job.id, { ...job, state: 'queued' });
    } else {
      const { state, exitCode, summary, error } = entry;
      jobs.set(job.id, { ...job, state, exitCode, finishedAt: entry.at, ...(summary ? { summary } : {}), ...(error ? { error } : {}) });
    }
  }
  return previousDaemon ? { jobs, previousDaemon } : { jobs };
}

/** Jobs a crash interrupted go back to the queue; returns their ids. */
export function requeueInterrupted(jobs: Map<string, Job>): string[] {
  const ids: string[] = [];
  for (const job of jobs.values()) {
    if (job.state !== 'running') continue;
    jobs.set(job.id, { ...job, state: 'queued' });
    ids.push(job.id);
  }
  return ids;
}

/** Finished jobs beyond the newest `keep` are forgotten; returns the forgotten ids. */
export function pruneFinished(jobs: Map<string, Job>, keep: number): string[] {
  const finished = [...jobs.values()].filter((j) => j.finishedAt !== undefined).sort((a, b) => (a.id < b.id ? 1 : -1));
  const dropped = finished.slice(keep).map((j) => j.id);
  for (const id of dropped) jobs.delete(id);
  return dropped;
}

export async function readJournal(path: string): Promise<JournalState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { jobs: new Map(), skipped: 0 };
    throw err;
  }
  const entries: JournalEntry[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = parseLine(line);
    if (parsed) entries.push(parsed);
    else skipped++;
  }
  return { ...foldJournal(entries), skipped };
}

function parseLine(line: string): JournalEntry | null {
  try {
    const result = JournalEntry.safeParse(JSON.parse(line));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** Rewrite the journal as one snapshot line per job, atomically; the directory is synced so the rename survives a crash. */
export async function compactJournal(path: string, jobs: Iterable<Job>): Promise<void> {
  const lines = [...jobs].sort((a, b) => (a.id < b.id ? -1 : 1)).map((job) => JSON.stringify({ op: 'job', job } satisfies JournalEntry));
  await writeFileAtomic(path, lines.length > 0 ? `${lines.join('\n')}\n` : '', 0o600);
  await syncDir(dirname(path));
}

export interface Journal {
  /** Append one entry and fsync before resolving: a state change is durable once this returns. */
  append(entry: JournalEntry): Promise<void>;
  close(): Promise<void>;
}

export async function openJournal(path: string): Promise<Journal> {
  const handle: FileHandle = await open(path, 'a', 0o600);
  let chain: Promise<void> = Promise.resolve();
  return {
    async append(entry) {
      const line = `${JSON.stringify(JournalEntry.parse(entry))}\n`;
      const next = chain.then(async () => {
        await handle.write(line);
        await handle.datasync();
      });
      chain = next.catch(() => undefined);
      await next;
    },
    async close() {
      await chain;
      await handle.close();
    },
  };
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
