import { execa } from 'execa';
import { KeyringCredential } from './schema.js';

const MAX_OUTPUT_BYTES = 64 * 1024;
const KEYRING_TIMEOUT_MS = 30_000;

/** What the keyring said: nothing (not installed, or no entry), or a password and maybe its user name. */
export type KeyringAnswer = { found: false; installed: boolean } | { found: true; username?: string; password: string };

/** Ask the keyring for the password of `username` at `service` (or, without a user name, for both). */
export type KeyringLookup = (service: string, username: string | undefined) => Promise<KeyringAnswer>;

/**
 * The `keyring` command, as twine's keyring lookup uses the library: `keyring get SERVICE USER`
 * prints the password; without a user name, `keyring --mode creds --output json get SERVICE`
 * (keyring 25.7 has it; an older one fails and counts as no entry) gives both. Its output is capped and never logged; it reads no stdin,
 * so a backend that would prompt fails instead of hanging.
 */
export function keyringCommand(command = 'keyring', env: NodeJS.ProcessEnv = process.env): KeyringLookup {
  return async (service, username) => {
    const args = username === undefined ? ['--mode', 'creds', '--output', 'json', 'get', service] : ['get', service, username];
    const run = await execa(command, args, { reject: false, stdin: 'ignore', timeout: KEYRING_TIMEOUT_MS, maxBuffer: MAX_OUTPUT_BYTES, env, extendEnv: false, stripFinalNewline: false });
    if ((run as { code?: string }).code === 'ENOENT' || run.exitCode === 127) return { found: false, installed: false };
    if (run.exitCode !== 0 || run.timedOut) return { found: false, installed: true };
    if (username !== undefined) {
      const password = run.stdout.replace(/\r?\n$/, '');
      return password === '' ? { found: false, installed: true } : { found: true, password };
    }
    const parsed = safeJson(run.stdout);
    const credential = KeyringCredential.safeParse(parsed);
    if (!credential.success) return { found: false, installed: true };
    return credential.data.username === undefined || credential.data.username === ''
      ? { found: true, password: credential.data.password }
      : { found: true, username: credential.data.username, password: credential.data.password };
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
