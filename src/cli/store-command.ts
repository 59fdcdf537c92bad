import { readLock } from '../lockfile/read.js';
import { pinnedDigests } from '../lockfile/targets.js';
import { collectGarbage } from '../store/gc.js';
import { defaultStoreRoot, openStore } from '../store/store.js';
import { verifyStore } from '../store/verify-store.js';
import { EXIT } from '../core/exit-codes.js';
import { isHelpFlag, printHelp, renderGroupHelp, unknownSubcommand } from './command-help.js';
import { STORE_GC, STORE_VERIFY } from './commands.js';
import { parseCommand } from './parse-command.js';

/** `hbuild store verify|gc`: returns the exit code; usage mistakes are thrown as ERR_USAGE. */
export async function runStoreCommand(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (isHelpFlag(verb)) return printHelp(renderGroupHelp('store'));
  if (verb === 'verify') return storeVerify(rest);
  if (verb === 'gc') return storeGc(rest);
  throw unknownSubcommand('store', verb);
}

async function storeVerify(argv: string[]): Promise<number> {
  const parsed = parseCommand(STORE_VERIFY, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { values } = parsed;
  const root = values.store ?? defaultStoreRoot();
  await openStore(root);
  const report = await verifyStore(root, { repair: values.repair });
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  for (const c of report.corrupt) {
    process.stderr.write(`corrupt: ${c.kind}/${c.expected} hashes to ${c.actual}${c.removed ? ' (removed)' : ''}\n`);
  }
  process.stderr.write(`store ${root}: ${report.checked} entries checked, ${report.corrupt.length} corrupt, ${report.stray.length} stray\n`);
  if (report.corrupt.length > 0 && !values.repair) process.stderr.write('hint: run `hbuild store verify --repair` to remove them; the next build re-fetches or rebuilds\n');
  return report.corrupt.length > 0 ? EXIT.integrity : EXIT.ok;
}

async function storeGc(argv: string[]): Promise<number> {
  const parsed = parseCommand(STORE_GC, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { values } = parsed;
  const root = values.store ?? defaultStoreRoot();
  await openStore(root);
  const pinned = new Set<string>();
  for (const lockPath of values.keep) for (const digest of pinnedDigests((await readLock(lockPath)).lock)) pinned.add(digest);
  const report = await collectGarbage(root, { pinned, keepDays: values['keep-days'], dryRun: values['dry-run'] });
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  const mib = (report.freedBytes / 2 ** 20).toFixed(1);
  process.stderr.write(`store ${root}: ${values['dry-run'] ? 'would remove' : 'removed'} ${report.removed.length} entries (${mib} MiB), kept ${report.kept}\n`);
  return EXIT.ok;
}
