import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { openEventLog, readEventFile, type EventLog, type Follower } from './event-log.js';
import { jobDir } from './paths.js';

/** The event logs of a daemon's jobs: open in memory while a job may still run, read from disk after. */
export interface JobLogs {
  open(id: string): Promise<EventLog>;
  get(id: string): EventLog | undefined;
  /** Past events, then live ones while the log is open. */
  follow(id: string, follower: Follower): Promise<() => void>;
  close(id: string): Promise<void>;
  closeAll(): Promise<void>;
}

export function createJobLogs(stateDir: string): JobLogs {
  const open = new Map<string, EventLog>();
  const path = (id: string): string => join(jobDir(stateDir, id), 'events.ndjson');
  return {
    async open(id) {
      await mkdir(jobDir(stateDir, id), { recursive: true, mode: 0o700 });
      const log = open.get(id) ?? (await openEventLog(path(id)));
      open.set(id, log);
      return log;
    },
    get: (id) => open.get(id),
    async follow(id, follower) {
      const log = open.get(id);
      if (log) return log.follow(follower);
      for (const line of await readEventFile(path(id))) follower.line(line);
      follower.end();
      return () => undefined;
    },
    async close(id) {
      await open.get(id)?.close();
      open.delete(id);
    },
    async closeAll() {
      for (const log of open.values()) await log.close();
      open.clear();
    },
  };
}
