import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from './index-client.js';

const MAX_NETRC_BYTES = 1024 * 1024;

export interface Netrc {
  machines: Map<string, Credentials>;
  fallback?: Credentials;
}

/**
 * Parse netrc text the way Python's netrc module reads it for pip: `machine`, `default`,
 * `login`, `password`, `account`, and `macdef` blocks (skipped up to a blank line).
 */
export function parseNetrc(text: string): Netrc {
  const netrc: Netrc = { machines: new Map() };
  const tokens: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const words = (lines[i] ?? '').trim().startsWith('#') ? [] : (lines[i]!.match(/"[^"]*"|\S+/g) ?? []);
    for (const word of words) {
      if (word === 'macdef') {
        while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') i++;
        break;
      }
      tokens.push(word.startsWith('"') ? word.slice(1, -1) : word);
    }
  }
  let current: { host?: string; login?: string; password?: string } | undefined;
  const flush = (): void => {
    if (current?.login === undefined && current?.password === undefined) return;
    const creds = { login: current.login ?? '', password: current.password ?? '' };
    if (current.host === undefined) netrc.fallback ??= creds;
    else if (!netrc.machines.has(current.host)) netrc.machines.set(current.host, creds);
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === 'machine' || token === 'default') {
      flush();
      current = token === 'machine' ? { host: (tokens[++i] ?? '').toLowerCase() } : {};
    } else if (current && (token === 'login' || token === 'password' || token === 'account')) {
      const value = tokens[++i] ?? '';
      if (token !== 'account') current[token] = value;
    }
  }
  flush();
  return netrc;
}

/** Credentials for a URL's host from `$NETRC` or `~/.netrc`; a missing file means none. */
export async function loadNetrc(env: NodeJS.ProcessEnv = process.env): Promise<(url: URL) => Credentials | undefined> {
  const path = env.NETRC ?? join(env.HOME ?? homedir(), '.netrc');
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_NETRC_BYTES) return () => undefined;
    text = bytes.toString('utf8');
  } catch {
    return () => undefined;
  }
  const netrc = parseNetrc(text);
  return (url) => netrc.machines.get(url.hostname.toLowerCase()) ?? netrc.fallback;
}
