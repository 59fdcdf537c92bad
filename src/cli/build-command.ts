import { HbuildError } from '../core/errors.js';
import { chooseEngine } from './engine-choice.js';
import { buildLock } from '../pipeline/build-lock.js';
import { defaultStoreRoot } from '../store/store.js';
import { runExitCode } from '../core/exit-codes.js';
import { createRunLogger } from './logger.js';
import { createRenderer, outputMode } from './render.js';
import { summarize } from '../pipeline/summary.js';
import { writeBuildReport } from './build-report.js';
import { printHelp } from './command-help.js';
import { BUILD } from './commands.js';
import { parseCommand } from './parse-command.js';

/** `hbuild [build] LOCK.yaml`: returns the exit code; usage mistakes are thrown as ERR_USAGE. */
export async function runBuildCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseCommand(BUILD, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { values, args } = parsed;
  const { jobs, only, timeout } = values;
  if (values.daemon || (process.env.HBUILD_DAEMON ?? '') !== '') {
    for (const flag of ['store', 'docker-host', 'engine', 'engines', 'image-archives', 'runtime', 'sdist-dir', 'index-url', 'timeout', 'recipes', 'signing-key', 'min-age'] as const) {
      const value = values[flag];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        throw new HbuildError('ERR_USAGE', `--${flag} cannot be used with the daemon: it uses its own store, engine and settings`, { hint: 'drop the flag, or run without --daemon' });
      }
    }
    const { submitViaDaemon } = await import('./daemon-client.js');
    const renderer = createRenderer(outputMode(values));
    try {
      return await submitViaDaemon(
        'build',
        args.lock,
        { record: values.record, only, target: values.target, jobs, failFast: values['fail-fast'], out: values.out, json: values.json, quiet: values.quiet },
        (event) => renderer.emit(event),
        signal,
      );
    } finally {
      renderer.close();
    }
  }
  const storeRoot = values.store ?? defaultStoreRoot();
  const { log, flush } = createRunLogger(storeRoot);
  const renderer = createRenderer(outputMode(values));
  try {
    const { engine } = await chooseEngine(values, { storeRoot, log, warn: (message) => renderer.emit({ type: 'log', level: 'warn', message }) });
    const result = await buildLock({
      lockPath: args.lock,
      outDir: values.out,
      storeRoot,
      jobs,
      record: values.record,
      failFast: values['fail-fast'],
      only,
      target: values.target,
      indexUrl: values['index-url'],
      sdistDirs: values['sdist-dir'],
      recipesDir: values.recipes,
      ...(values.mirror ? { images: { mirror: values.mirror } } : {}),
      signingKey: values['signing-key'],
      vet: values.vet,
      minAgeDays: values['min-age'],
      engine,
      limits: timeout === undefined ? {} : { timeoutMs: timeout * 1000 },
      log,
      emit: (event) => {
        log.info({ event }, 'event');
        renderer.emit(event);
      },
      signal,
    });
    renderer.close();
    writeBuildReport(process.stderr, summarize(result, values.out), args.lock, { json: values.json, quiet: values.quiet, out: values.out });
    return runExitCode(result.failures.map((f) => f.error.code), signal.aborted);
  } finally {
    renderer.close();
    flush();
  }
}
