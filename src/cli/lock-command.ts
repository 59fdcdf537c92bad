import { createEngine } from '../engine/index.js';
import { parseArgs } from 'node:util';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { configuredIndexUrls } from '../resolve/index-urls.js';
import { lockProject } from '../resolve/lock-project.js';
import { DEFAULT_MIN_AGE_DAYS } from '../resolve/policy.js';
import { defaultStoreRoot } from '../store/store.js';
import { EXIT, exitCodeFor } from '../core/exit-codes.js';
import { createRunLogger } from './logger.js';
import { createRenderer } from './render.js';

export const LOCK_USAGE = `Usage:
  hbuild lock INPUT [options]             pin requirements.txt, pylock.toml or uv.lock into lock.yaml
  hbuild lock --add NAME==VERSION [...]   add or change pins in an existing lock

Options:
  -o, --lock FILE          the lock to write or update (default: lock.yaml)
      --check              write nothing; exit 1 when the lock differs from what hbuild lock would write
      --index-url URL      primary index (default: PIP_INDEX_URL, then pip's configuration)
      --extra-index-url U  another index (repeatable; default: PIP_EXTRA_INDEX_URL, then pip's configuration)
      --pin-index NAME=URL the one index NAME may come from (repeatable; recorded as index: in the lock)
      --min-age DAYS       quarantine: refuse sdists uploaded less than DAYS ago (default: ${DEFAULT_MIN_AGE_DAYS}; 0 turns it off)
      --exempt NAME        lift the quarantine for NAME (repeatable), with --reason TEXT and --expires YYYY-MM-DD
      --image NAME         builder image of a new lock (default: default)
      --builder-rootfs D   its rootfs digest (default: the local image's)
      --store DIR          content-addressed store (default: $XDG_CACHE_HOME/hbuild/store)
      --recipes DIR        per-package build recipes (default: recipes/ beside the lock)
      --docker-host URL    Docker engine (default: DOCKER_HOST, else the local socket)

Exit codes: 0 ok · 1 --check: the lock is stale · 2 usage or input error · 3 hash mismatch ·
            4 refused: quarantine, yanked, or a name served by more than one index
`;

/** `hbuild lock`: returns the exit code; expected errors are printed, not thrown. */
export async function runLockCommand(argv: string[], signal: AbortSignal): Promise<number> {
  try {
    return await lockCommand(argv, signal);
  } catch (err) {
    if (isHbuildError(err)) {
      process.stderr.write(`hbuild lock: error: ${err.message}\n`);
      const tail = err.details.logTail;
      if (typeof tail === 'string' && tail) process.stderr.write(`${tail.split('\n').map((l) => `    | ${l}`).join('\n')}\n`);
      if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
      return exitCodeFor(err.code);
    }
    if (typeof (err as { code?: unknown })?.code === 'string' && String((err as { code: string }).code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`hbuild lock: error: ${(err as Error).message}\n${LOCK_USAGE}`);
      return EXIT.usage;
    }
    throw err;
  }
}

async function lockCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      lock: { type: 'string', short: 'o', default: 'lock.yaml' },
      add: { type: 'string', multiple: true, default: [] },
      check: { type: 'boolean', default: false },
      'index-url': { type: 'string' },
      'extra-index-url': { type: 'string', multiple: true, default: [] },
      'pin-index': { type: 'string', multiple: true, default: [] },
      'min-age': { type: 'string' },
      exempt: { type: 'string', multiple: true, default: [] },
      reason: { type: 'string' },
      expires: { type: 'string' },
      image: { type: 'string' },
      'builder-rootfs': { type: 'string' },
      store: { type: 'string' },
      recipes: { type: 'string' },
      'docker-host': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(LOCK_USAGE);
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new HbuildError('ERR_USAGE', `one input file expected, got ${positionals.length}`, { hint: 'hbuild lock requirements.txt' });
  const minAgeDays = values['min-age'] === undefined ? undefined : Number(values['min-age']);
  if (minAgeDays !== undefined && (!Number.isFinite(minAgeDays) || minAgeDays < 0)) throw new HbuildError('ERR_USAGE', `--min-age must be a number of days ≥ 0, got ${JSON.stringify(values['min-age'])}`);
  const pinIndex = Object.fromEntries(
    values['pin-index'].map((spec) => {
      const at = spec.indexOf('=');
      if (at <= 0) throw new HbuildError('ERR_USAGE', `--pin-index ${JSON.stringify(spec)}: expected NAME=URL`);
      return [spec.slice(0, at), spec.slice(at + 1)];
    }),
  );
  const exempt = values.exempt.length > 0 ? { names: values.exempt, reason: values.reason ?? '', expires: values.expires ?? '' } : undefined;
  if (!exempt && (values.reason !== undefined || values.expires !== undefined)) throw new HbuildError('ERR_USAGE', '--reason and --expires go with --exempt NAME');

  const warn = (message: string): void => void process.stderr.write(`hbuild lock: warning: ${message}\n`);
  const indexUrls = await configuredIndexUrls({ indexUrl: values['index-url'], extraIndexUrls: values['extra-index-url'] }, warn);
  const storeRoot = values.store ?? defaultStoreRoot();
  const { log, flush } = createRunLogger(storeRoot);
  const renderer = createRenderer(process.stderr.isTTY ? 'tty' : 'plain');
  try {
    const result = await lockProject({
      input: positionals[0],
      add: values.add.length > 0 ? values.add : undefined,
      lockPath: values.lock,
      check: values.check,
      indexUrls,
      pinIndex,
      exempt,
      minAgeDays,
      builder: { image: values.image, rootfs: values['builder-rootfs'] },
      storeRoot,
      recipesDir: values.recipes,
      engine: createEngine({ host: values['docker-host'] }),
      log,
      emit: (event) => {
        log.info({ event }, 'event');
        if (event.type === 'package' && (event.status === 'failed' || (event.stage === 'build' && event.status === 'running'))) renderer.emit(event);
      },
      progress: (message) => void process.stderr.write(`hbuild lock: ${message}\n`),
      signal,
    });
    for (const skipped of result.skipped) process.stderr.write(`hbuild lock: skipped ${skipped.name} (${skipped.file}:${skipped.line}): ${skipped.marker}\n`);
    if (values.check) {
      process.stderr.write(result.changed ? `hbuild lock: ${values.lock} is stale: hbuild lock would change it\n` : `hbuild lock: ${values.lock} is up to date\n`);
      return result.changed ? EXIT.buildFailed : EXIT.ok;
    }
    process.stderr.write(`hbuild lock: ${result.written ? 'wrote' : 'unchanged:'} ${values.lock} (${result.packages.length} packages)\n`);
    return EXIT.ok;
  } finally {
    renderer.close();
    flush();
  }
}
