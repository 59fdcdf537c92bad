import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import type { HbuildEvent } from '../core/events.js';

/** One job's events beyond this are dropped (run events excepted), so a chatty job cannot fill the disk. */
export const MAX_EVENT_LOG_BYTES = 16 * 1024 * 1024;

export type Follower = { line: (ndjson: string) => void; end: () => void };

export interface EventLog {
  append(event: HbuildEvent): void;
  /** Replays every past event, then follows live ones until the log closes. Returns an unsubscribe function. */
  follow(follower: Follower): () => void;
  /** Ends every follower and the file; later appends are ignored. */
  close(): Promise<void>;
}

/** The event log of a job that may still run: kept in memory and appended to `path` as NDJSON. */
export async function openEventLog(path: string, maxBytes = MAX_EVENT_LOG_BYTES): Promise<EventLog> {
  const lines = await readEventFile(path);
  // A crash may have torn the last line; rewrite what is whole so appends start on a clean line.
  await writeFile(path, lines.join(''), { mode: 0o600 });
  let bytes = lines.reduce((n, l) => n + l.length, 0);
  let truncated = false;
  let closed = false;
  const followers = new Set<Follower>();
  const file: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  file.on('error', () => undefined);

  const push = (line: string): void => {
    lines.push(line);
    bytes += line.length;
    file.write(line);
    for (const f of followers) f.line(line);
  };

  return {
    append(event) {
      if (closed) return;
      const line = `${JSON.stringify(event)}\n`;
      if (bytes + line.length > maxBytes && event.type !== 'run') {
        if (!truncated) push(`${JSON.stringify({ type: 'log', level: 'warn', message: `event log reached ${maxBytes} bytes; further package events are dropped` } satisfies HbuildEvent)}\n`);
        truncated = true;
        return;
      }
      push(line);
    },
    follow(follower) {
      for (const line of lines) follower.line(line);
      if (closed) {
        follower.end();
        return () => undefined;
      }
      followers.add(follower);
      return () => followers.delete(follower);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const f of followers) f.end();
      followers.clear();
      await new Promise<void>((resolve) => file.end(resolve));
    },
  };
}

/** The lines of an event file; a missing file has none, a torn last line (crash) is dropped. */
export async function readEventFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines = text.split('\n');
  lines.pop();
  return lines.filter(isJsonObject).map((l) => `${l}\n`);
}

function isJsonObject(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}
