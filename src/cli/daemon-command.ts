import { createEngine } from '../engine/index.js';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startDaemon } from '../daemon/daemon.js';
import { readTokenFile } from '../daemon/http/auth.js';
import { parseTcpAddress } from '../daemon/http/listen.js';
import { defaultJobKinds } from '../daemon/job-kinds.js';
import { defaultSocketPath, defaultStateDir } from '../daemon/paths.js';
import { resolveRoots } from '../daemon/roots.js';
import { loadSchedules } from '../daemon/schedules.js';
import { HbuildError } from '../core/errors.js';
import { defaultStoreRoot } from '../store/store.js';
import { EXIT } from '../core/exit-codes.js';

export const DAEMON_USAGE = `Usage: hbuild daemon [options]

Serve builds over a local HTTP API (see docs/daemon.md).

  --socket PATH          unix socket (default: $XDG_RUNTIME_DIR/hbuild/daemon.sock, else /tmp/hbuild-$UID/daemon.sock)
  --tcp 127.0.0.1:PORT   also listen on loopback TCP; needs --token-file
  --token-file FILE      bearer token for TCP clients (a private file, at least 32 characters)
  --state DIR            journal, job logs and job wheelhouses (default: $XDG_STATE_HOME/hbuild/daemon)
  --store DIR            content-addressed store (default: $XDG_CACHE_HOME/hbuild/store)
  --roots DIR,...        directories clients may name lock files and wheelhouses in (default: none)
  --schedule FILE        YAML file of scheduled runs
  --jobs N               jobs run at once (default: 1); each job's builds run in parallel as its lock says
  --grace SECONDS        on SIGTERM, how long running jobs may finish before they are checkpointed (default: 10)
  --docker-host URL      Docker engine (default: DOCKER_HOST, else unix:///var/run/docker.sock)
`;

/** `hbuild daemon`: runs until `signal` aborts (SIGTERM, Ctrl-C), then stops cleanly and returns 0. */
export async function runDaemonCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    options: {
      socket: { type: 'string' },
      tcp: { type: 'string' },
      'token-file': { type: 'string' },
      state: { type: 'string' },
      store: { type: 'string' },
      roots: { type: 'string' },
      schedule: { type: 'string' },
      jobs: { type: 'string', short: 'j' },
      grace: { type: 'string' },
      'docker-host': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(DAEMON_USAGE);
    return EXIT.ok;
  }
  if ((values.tcp === undefined) !== (values['token-file'] === undefined)) {
    throw new HbuildError('ERR_USAGE', '--tcp and --token-file go together: TCP is served only with a bearer token', {
      hint: 'hbuild daemon --tcp 127.0.0.1:7420 --token-file ~/.config/hbuild/daemon.token',
    });
  }
  const tcp = values.tcp === undefined ? undefined : { address: parseTcpAddress(values.tcp), token: await readTokenFile(values['token-file'] as string) };
  const roots = await resolveRoots(splitList(values.roots));
  const schedules = values.schedule === undefined ? [] : await loadSchedules(resolve(values.schedule), roots);
  const log = pino({ base: { pid: process.pid }, level: process.env.HBUILD_LOG_LEVEL ?? 'info' });

  const daemon = await startDaemon({
    stateDir: resolve(values.state ?? defaultStateDir()),
    ownsStateDir: values.state === undefined,
    storeRoot: resolve(values.store ?? defaultStoreRoot()),
    roots,
    socket: values.socket === undefined ? { path: defaultSocketPath(), ownsDir: true } : { path: resolve(values.socket), ownsDir: false },
    ...(tcp ? { tcp } : {}),
    concurrency: wholeNumber('--jobs', values.jobs ?? '1', 1, 64),
    graceMs: wholeNumber('--grace', values.grace ?? '10', 0, 86_400) * 1000,
    schedules,
    engine: createEngine({ host: values['docker-host'] }),
    kinds: defaultJobKinds(),
    log,
  });
  await new Promise<void>((done) => {
    if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
  await daemon.stop();
  log.flush();
  return EXIT.ok;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) throw new HbuildError('ERR_USAGE', `${flag} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}
