import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { execa } from 'execa';

const CHROMIUM = process.env.HBUILD_CHROMIUM ?? 'chromium';
const GIVE_UP_MS = 90_000;

/** Headless, a throwaway profile, and nothing in the background that talks to the network. */
function flags(dir: string): string[] {
  const profile = join(dir, `profile-${Math.random().toString(36).slice(2)}`);
  return ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`];
}

/** Run headless Chromium (Debian's package) with these arguments; its stdout, e.g. `--dump-dom`. */
export async function chromium(dir: string, args: string[]): Promise<string> {
  const run = await execa(CHROMIUM, [...flags(dir), ...args], { timeout: GIVE_UP_MS, reject: false });
  if (run.exitCode !== 0) throw new Error(`chromium failed (install it: apt-get install -y chromium): ${run.stderr}`);
  return run.stdout;
}

interface Message {
  id?: number;
  method?: string;
  sessionId?: string;
  result?: Record<string, any>;
  error?: { message: string };
}

/**
 * Load `url` in headless Chromium with a viewport `width` CSS pixels wide, wait for its load event,
 * and return the value of `expression` evaluated in the page. It talks the DevTools protocol over
 * `--remote-debugging-pipe` (NUL-separated JSON on fds 3 and 4), so it needs no port and no library.
 * DevTools evaluation is not bound by the page's Content-Security-Policy, so a page that allows
 * no script can still be measured as it is.
 */
export async function evaluateInPage(dir: string, url: string, expression: string, viewport: { width: number; height: number }): Promise<unknown> {
  const child = spawn(CHROMIUM, [...flags(dir), '--remote-debugging-pipe', `--window-size=${viewport.width},${viewport.height}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  const toBrowser = child.stdio[3] as Writable;
  const fromBrowser = child.stdio[4] as Readable;
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));

  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const waiters: Array<{ method: string; resolve: () => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  const failAll = (err: Error): void => {
    failure ??= err;
    for (const p of pending.values()) p.reject(failure);
    pending.clear();
    for (const w of waiters.splice(0)) w.reject(failure);
  };
  let buffered = '';
  fromBrowser.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let end: number;
    while ((end = buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffered.slice(0, end)) as Message;
      buffered = buffered.slice(end + 1);
      if (message.id !== undefined) {
        const p = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) p?.reject(new Error(`DevTools: ${message.error.message}`));
        else p?.resolve(message);
      } else if (message.method) {
        for (const w of waiters.filter((x) => x.method === message.method)) w.resolve();
      }
    }
  });
  child.on('error', (err) => failAll(new Error(`chromium failed to start (install it: apt-get install -y chromium): ${err.message}`)));
  child.on('exit', (code) => failAll(new Error(`chromium exited (${code}) before answering: ${stderr}`)));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));

  let nextId = 0;
  const send = (method: string, params: object = {}, sessionId?: string): Promise<Message> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure);
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    });
  const timer = setTimeout(() => {
    failAll(new Error(`chromium did not finish within ${GIVE_UP_MS / 1000} s: ${stderr}`));
    child.kill('SIGKILL');
  }, GIVE_UP_MS);

  try {
    const { targetId } = (await send('Target.createTarget', { url: 'about:blank' })).result!;
    const { sessionId } = (await send('Target.attachToTarget', { targetId, flatten: true })).result!;
    await send('Emulation.setDeviceMetricsOverride', { width: viewport.width, height: viewport.height, deviceScaleFactor: 1, mobile: false }, sessionId);
    await send('Page.enable', {}, sessionId);
    const loaded = new Promise<void>((resolve, reject) => waiters.push({ method: 'Page.loadEventFired', resolve, reject }));
    loaded.catch(() => undefined);
    const navigated = (await send('Page.navigate', { url }, sessionId)).result!;
    if (navigated.errorText) throw new Error(`chromium could not open ${url}: ${navigated.errorText}`);
    await loaded;
    const evaluated = (await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId)).result!;
    if (evaluated.exceptionDetails) throw new Error(`the expression threw: ${JSON.stringify(evaluated.exceptionDetails)}`);
    await send('Browser.close').catch(() => undefined);
    return evaluated.result.value;
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  }
}
