import { parseArgs } from 'node:util';
import { HbuildError } from '../core/errors.js';
import { readLock } from '../lockfile/read.js';
import { collectGarbage } from '../store/gc.js';
import { defaultStoreRoot, openStore } from '../store/store.js';
import { verifyStore } from '../store/verify-store.js';
import { EXIT } from '../core/exit-codes.js';

export async function runStoreCommand(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      repair: { type: 'boolean', default: false },
      keep: { type: 'string', multiple: true, default: [] },
      'keep-days': { type: 'string', default: '30' },
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new HbuildError('ERR_USAGE', `unexpected argument ${JSON.stringify(positionals[0])}`, { hint: 'hbuild store verify|gc [options]' });
  const root = values.store ?? defaultStoreRoot();
  await openStore(root);
  if (verb === 'verify') {
    const report = await verifyStore(root, { repair: values.repair });
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    for (const c of report.corrupt) {
      process.stderr.write(`corrupt: ${c.kind}/${c.expected} hashes to ${c.actual}${c.removed ? ' (removed)' : ''}\n`);
    }
    process.stderr.write(`store ${root}: ${report.checked} entries checked, ${report.corrupt.length} corrupt, ${report.stray.length} stray\n`);
    if (report.corrupt.length > 0 && !values.repair) process.stderr.write('hint: run `hbuild store verify --repair` to remove them; the next build re-fetches or rebuilds\n');
    return report.corrupt.length > 0 ? EXIT.integrity : EXIT.ok;
  }
  if (verb === 'gc') {
    const keepDays = Number(values['keep-days']);
    if (!Number.isInteger(keepDays) || keepDays < 0) throw new HbuildError('ERR_USAGE', '--keep-days must be a whole number of days');
    const pinned = new Set<string>();
    for (const lockPath of values.keep) {
      const loaded = await readLock(lockPath);
      for (const pkg of loaded.lock.packages) {
        pinned.add(pkg.sdist.sha256);
        if (pkg.wheel) pinned.add(pkg.wheel.sha256);
      }
    }
    const report = await collectGarbage(root, { pinned, keepDays, dryRun: values['dry-run'] });
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    const mib = (report.freedBytes / 2 ** 20).toFixed(1);
    process.stderr.write(`store ${root}: ${values['dry-run'] ? 'would remove' : 'removed'} ${report.removed.length} entries (${mib} MiB), kept ${report.kept}\n`);
    return EXIT.ok;
  }
  throw new HbuildError('ERR_USAGE', `unknown store command ${JSON.stringify(verb ?? '')}`, { hint: 'hbuild store verify [--repair] | hbuild store gc [--keep LOCK]... [--keep-days N] [--dry-run]' });
}
