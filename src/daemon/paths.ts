import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { HbuildError } from '../core/errors.js';

/** `$XDG_RUNTIME_DIR/hbuild/daemon.sock`, else `/tmp/hbuild-$UID/daemon.sock`; the directory is the daemon's own. */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime)) return join(runtime, 'hbuild', 'daemon.sock');
  return join('/tmp', `hbuild-${process.getuid?.() ?? 'user'}`, 'daemon.sock');
}

/** `$XDG_STATE_HOME/hbuild/daemon`, else `~/.local/state/hbuild/daemon`: the journal, job logs and job wheelhouses. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME && isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(base, 'hbuild', 'daemon');
}

export function journalPath(stateDir: string): string {
  return join(stateDir, 'journal.ndjson');
}

export function jobDir(stateDir: string, id: string): string {
  return join(stateDir, 'jobs', id);
}

/** Time-sortable and unguessable: 9 base-36 digits of milliseconds, then 48 random bits. */
export function newJobId(now = Date.now()): string {
  return `${now.toString(36).padStart(9, '0')}${randomBytes(6).toString('hex')}`;
}

/**
 * A directory only this user may enter: created 0700 when missing, refused when it belongs to
 * someone else or is a symlink, and made 0700 again when it is the daemon's own (`owned`).
 */
export async function ensurePrivateDir(dir: string, owned: boolean): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const info = await lstat(dir);
  if (!info.isDirectory() || (process.getuid && info.uid !== process.getuid())) {
    throw new HbuildError('ERR_USAGE', `${dir} is not a directory owned by this user`, { hint: 'remove it, or pass another path' });
  }
  if (owned) await chmod(dir, 0o700);
}
