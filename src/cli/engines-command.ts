import { lockTargets } from '../lockfile/targets.js';
import { access } from 'node:fs/promises';
import { describeEngine, type EngineStats } from '../engine/index.js';
import { EXIT } from '../core/exit-codes.js';
import { readLock } from '../lockfile/read.js';
import { defaultStoreRoot } from '../store/store.js';
import { printHelp } from './command-help.js';
import { ENGINES } from './commands.js';
import { chooseEngine } from './engine-choice.js';
import { createRunLogger } from './logger.js';
import { parseCommand } from './parse-command.js';

/** `hbuild engines`: check each engine as a run would before its first build, and show its health. */
export async function runEnginesCommand(argv: string[]): Promise<number> {
  const parsed = parseCommand(ENGINES, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { values } = parsed;
  const storeRoot = values.store ?? defaultStoreRoot();
  const { log, flush } = createRunLogger(storeRoot);
  try {
    const lockPath = values.lock ?? ((await exists('lock.yaml')) ? 'lock.yaml' : undefined);
    const lock = lockPath === undefined ? undefined : (await readLock(lockPath)).lock;
    // A lock with targets: every target's image is checked; an engine that fails one is left out.
    const pins = lock === undefined ? [] : lockTargets(lock).map((t) => ({ image: t.image, rootfs: t.rootfs }));
    const pin = pins[0];
    // Without pool flags: the one engine a run would use, checked the same way.
    const single = values.engine.length === 0 && values.engines === undefined;
    const engineFlags = single ? [describeEngine({ host: values['docker-host'] })] : values.engine;
    const { pool } = await chooseEngine(
      { ...values, engine: engineFlags, 'docker-host': undefined },
      { storeRoot, log, warn: () => undefined },
    );
    let stats = await pool!.check(pin);
    for (const other of pins.slice(1)) stats = await pool!.check(other);
    pool!.close();
    const usable = stats.some((s) => s.health === 'ok' || (pin === undefined && s.health !== 'down'));
    if (values.json) process.stdout.write(`${JSON.stringify({ builder: pin ?? null, ...(pins.length > 1 ? { targets: pins } : {}), engines: stats })}\n`);
    else process.stdout.write(renderTable(stats, pin === undefined));
    return usable ? EXIT.ok : EXIT.docker;
  } finally {
    flush();
  }
}

function renderTable(stats: EngineStats[], noPin: boolean): string {
  const rows = stats.map((s) => [s.engine, s.health === 'unchecked' && noPin ? 'answers' : s.health, s.apiVersion ?? '-', String(s.slots), s.reason ?? '']);
  const head = ['ENGINE', 'HEALTH', 'API', 'SLOTS', 'WHY'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()}\n`;
  const note = noPin ? 'no lock: builder image and probe not checked (pass --lock FILE)\n' : '';
  return line(head) + rows.map(line).join('') + note;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
