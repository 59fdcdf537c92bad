import { execa } from 'execa';
import { randomUUID } from 'node:crypto';
import { onTestFinished } from 'vitest';

/** A command running in a real terminal: a detached tmux session on a server of its own. */
export interface Terminal {
  /** The screen as a person sees it now; wrapped lines are joined, so a wrap shows as a line wider than the pane. */
  capture(): Promise<string>;
  /** Type keys, as tmux names them (`C-c` is Ctrl-C). */
  keys(...keys: string[]): Promise<void>;
}

/**
 * Start `command` (a shell command line) in a `width`×`height` tmux pane. The session ends with
 * the test. Its shell prints `EXIT=<code>` when the command ends and then stays, so its last
 * screen can be read.
 */
export async function startTerminal(command: string, size: { width: number; height: number }, env: Record<string, string> = {}): Promise<Terminal> {
  const socket = `hbuild-test-${randomUUID()}`;
  const tmux = (...args: string[]) => execa('tmux', ['-L', socket, '-f', '/dev/null', ...args], { env: { ...env, TMUX: '' } });
  await tmux('new-session', '-d', '-x', String(size.width), '-y', String(size.height), '-s', 'hbuild', `${command}; echo EXIT=$?; sleep 3600`);
  onTestFinished(async () => {
    await tmux('kill-server').catch(() => undefined);
  });
  return {
    capture: async () => (await tmux('capture-pane', '-p', '-J', '-t', 'hbuild')).stdout,
    keys: async (...keys) => void (await tmux('send-keys', '-t', 'hbuild', ...keys)),
  };
}
