import { hostname } from 'node:os';

/** Whether a process of this host is alive (signal 0 probes without touching it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This host's identity in lock files, container labels and the daemon journal: a pid means something only on its own host. */
export function hostKey(): string {
  return hostname();
}
