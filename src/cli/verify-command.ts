import { chooseEngine } from './engine-choice.js';
import { defaultStoreRoot } from '../store/store.js';
import { renderSummary } from '../verify/summary.js';
import { parseVariations } from '../verify/variations.js';
import { verifyLock } from '../pipeline/verify-lock.js';
import { verifyExitCode } from '../pipeline/summary.js';
import { printHelp } from './command-help.js';
import { VERIFY } from './commands.js';
import { createRunLogger } from './logger.js';
import { parseCommand } from './parse-command.js';
import { createRenderer, outputMode } from './render.js';


/** `hbuild verify LOCK.yaml`: returns the exit code; the summary goes to stdout, progress to stderr. */
export async function runVerifyCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseCommand(VERIFY, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { values, args } = parsed;
  const { jobs, timeout } = values;
  const variations = parseVariations(values.variations);
  const storeRoot = values.store ?? defaultStoreRoot();
  const { log, flush } = createRunLogger(storeRoot);
  // --json here is the result on stdout, not events: progress still goes to stderr.
  const renderer = createRenderer(outputMode({ quiet: values.quiet }));
  try {
    const { engine } = await chooseEngine(values, { storeRoot, log, warn: (message) => renderer.emit({ type: 'log', level: 'warn', message }) });
    const result = await verifyLock({
      lockPath: args.lock,
      storeRoot,
      jobs,
      only: values.only,
      target: values.target,
      indexUrl: values['index-url'],
      sdistDirs: values['sdist-dir'],
      recipesDir: values.recipes,
      vet: values.vet,
      minAgeDays: values['min-age'],
      engine,
      limits: timeout === undefined ? {} : { timeoutMs: timeout * 1000 },
      variations,
      ...(values.report === undefined ? {} : { reportDir: values.report }),
      log,
      emit: (event) => {
        log.info({ event }, 'event');
        renderer.emit(event);
      },
      signal,
    });
    renderer.close();
    process.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : renderSummary(result));
    return verifyExitCode(result.outcome);
  } finally {
    renderer.close();
    flushQuietly(flush);
  }
}

/** A log destination that has not opened yet holds nothing to flush; its complaint must not hide the real error. */
function flushQuietly(flush: () => void): void {
  try {
    flush();
  } catch {
    // nothing written yet
  }
}
