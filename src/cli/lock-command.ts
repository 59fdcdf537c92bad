import { createEngine } from '../engine/index.js';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { configuredIndexUrls } from '../resolve/index-urls.js';
import { lockProject } from '../resolve/lock-project.js';
import { defaultStoreRoot } from '../store/store.js';
import { EXIT, exitCodeFor } from '../core/exit-codes.js';
import { printHelp, renderCommandHelp } from './command-help.js';
import { LOCK_COMMAND } from './commands.js';
import { isArgumentError, parseCommand } from './parse-command.js';
import { createRunLogger } from './logger.js';
import { createRenderer } from './render.js';

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
      // A bad flag is most often a misremembered one: show them all rather than send the user off.
      if (isArgumentError(err)) process.stderr.write(`\n${renderCommandHelp(LOCK_COMMAND)}`);
      return exitCodeFor(err.code);
    }
    throw err;
  }
}

async function lockCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseCommand(LOCK_COMMAND, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { values, args } = parsed;
  const pinIndex = Object.fromEntries(values['pin-index']);
  const exempt = values.exempt.length > 0 ? { names: values.exempt, reason: values.reason ?? '', expires: values.expires ?? '' } : undefined;
  if (!exempt && (values.reason !== undefined || values.expires !== undefined)) throw new HbuildError('ERR_USAGE', '--reason and --expires go with --exempt NAME');

  const warn = (message: string): void => void process.stderr.write(`hbuild lock: warning: ${message}\n`);
  const indexUrls = await configuredIndexUrls({ indexUrl: values['index-url'], extraIndexUrls: values['extra-index-url'] }, warn);
  const storeRoot = values.store ?? defaultStoreRoot();
  const { log, flush } = createRunLogger(storeRoot);
  // Only the builds of build backends are shown, one line each: a live table would hide the lock's own lines.
  const renderer = createRenderer('plain', process.stderr, { summaryEvery: 0 });
  try {
    const result = await lockProject({
      input: args.input,
      add: values.add.length > 0 ? values.add : undefined,
      lockPath: values.lock,
      check: values.check,
      indexUrls,
      pinIndex,
      exempt,
      minAgeDays: values['min-age'],
      builder: { image: values.image, rootfs: values['builder-rootfs'] },
      ...(values.target.length > 0 ? { targets: values.target } : {}),
      storeRoot,
      recipesDir: values.recipes,
      ...(values.mirror ? { images: { mirror: values.mirror } } : {}),
      engine: createEngine({ host: values['docker-host'] }, { runtime: values.runtime }),
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
