import { chooseEngine } from './engine-choice.js';
import { resolve } from 'node:path';
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
import { printHelp } from './command-help.js';
import { DAEMON } from './commands.js';
import { parseCommand } from './parse-command.js';

/** `hbuild daemon`: runs until `signal` aborts (SIGTERM, Ctrl-C), then stops cleanly and returns 0. */
export async function runDaemonCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseCommand(DAEMON, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { values } = parsed;
  if ((values.tcp === undefined) !== (values['token-file'] === undefined)) {
    throw new HbuildError('ERR_USAGE', '--tcp and --token-file go together: TCP is served only with a bearer token', {
      hint: 'hbuild daemon --tcp 127.0.0.1:7420 --token-file ~/.config/hbuild/daemon.token',
    });
  }
  const tcp = values.tcp === undefined ? undefined : { address: parseTcpAddress(values.tcp), token: await readTokenFile(values['token-file'] as string) };
  const roots = await resolveRoots(values.roots ?? []);
  const schedules = values.schedule === undefined ? [] : await loadSchedules(resolve(values.schedule), roots);
  const log = pino({ base: { pid: process.pid }, level: process.env.HBUILD_LOG_LEVEL ?? 'info' });

  const storeRoot = resolve(values.store ?? defaultStoreRoot());
  const { engine, pool } = await chooseEngine(values, { storeRoot, log, warn: () => undefined });
  const daemon = await startDaemon({
    stateDir: resolve(values.state ?? defaultStateDir()),
    ownsStateDir: values.state === undefined,
    storeRoot,
    roots,
    socket: values.socket === undefined ? { path: defaultSocketPath(), ownsDir: true } : { path: resolve(values.socket), ownsDir: false },
    ...(tcp ? { tcp } : {}),
    concurrency: values.jobs,
    graceMs: values.grace * 1000,
    schedules,
    engine,
    kinds: defaultJobKinds(),
    log,
  });
  await new Promise<void>((done) => {
    if (signal.aborted) done();
    else signal.addEventListener('abort', () => done(), { once: true });
  });
  await daemon.stop();
  pool?.close();
  log.flush();
  return EXIT.ok;
}
