import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The repository root, wherever vitest was started. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The command as users run it; it loads dist/, which `scripts/setup.sh` builds. */
export const BIN = join(ROOT, 'bin', 'hbuild.js');

/** Start `hbuild ARGS` as a child process that reads no stdin; a non-zero exit resolves, it never rejects. */
export function hbuild(args: string[]) {
  return execa('node', [BIN, ...args], { reject: false, stdin: 'ignore' });
}

/** Resolve once a child has written `text` to stdout; reject if it exits first. */
export function untilStdout(child: { stdout: Readable | null; once(event: 'exit', listener: () => void): unknown }, text: string): Promise<void> {
  return new Promise((resolveSeen, reject) => {
    let seen = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolveSeen();
    });
    child.once('exit', () => reject(new Error(`exited before writing ${text}`)));
  });
}

/** One JSON value a line, as `--json` writes events; blank lines are skipped. */
export function jsonLines<T = any>(text: string): T[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

/**
 * Install a wheelhouse into a venv (made fresh unless it exists) the way the README tells
 * users to: every hash required, no index, and no pip configuration of this machine's
 * getting in the way. `requirements` is the file of the wheelhouse to install.
 */
export async function installWheelhouse(wheelhouse: string, venv: string, requirements = 'requirements.txt') {
  if (!existsSync(join(venv, 'bin', 'pip'))) await execa('python3', ['-m', 'venv', venv]);
  return execa(join(venv, 'bin', 'pip'), ['install', '--require-hashes', '--no-index', '--find-links', wheelhouse, '-r', join(wheelhouse, requirements)], {
    env: { PIP_CONFIG_FILE: '/dev/null', PIP_FIND_LINKS: '', PIP_CONSTRAINT: '' },
    reject: false,
  });
}

/** `name==version` of every distribution a venv has, names PEP 503 normalised, sorted. */
export async function installedDistributions(venv: string): Promise<string[]> {
  const script = 'import importlib.metadata as m, re\nfor d in m.distributions(): print(re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() + "==" + d.version)';
  const { stdout } = await execa(join(venv, 'bin', 'python'), ['-c', script]);
  return stdout.split('\n').filter(Boolean).sort();
}
