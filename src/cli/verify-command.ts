import { createEngine } from '../engine/index.js';
import { parseArgs } from 'node:util';
import { HbuildError } from '../core/errors.js';
import { defaultStoreRoot } from '../store/store.js';
import { renderSummary } from '../verify/summary.js';
import { parseVariations } from '../verify/variations.js';
import { verifyLock } from '../pipeline/verify-lock.js';
import { EXIT } from '../core/exit-codes.js';
import { verifyExitCode } from '../pipeline/summary.js';
import { createRunLogger } from './logger.js';
import { createRenderer } from './render.js';

export const VERIFY_USAGE = `hbuild verify LOCK.yaml [options]    rebuild every package under variations and explain any difference

Verify options:
      --variations LIST  comma-separated: build-path, time, umask, hostname, timezone, locale, home,
                         exec-path, cpus, env-order, file-order, user, kernel; all (default); -NAME leaves one out
      --report DIR       where the report goes (default: STORE/verify/TIME-LOCKDIGEST/)
      --json             print the whole result as JSON on stdout instead of the summary
      --store DIR        content-addressed store (default: $XDG_CACHE_HOME/hbuild/store)
  -j, --jobs N           parallel builds (default: the lock's settings.jobs, else the number of cores)
      --only NAME,...    verify only these packages and what they need
      --sdist-dir DIR    look for sdists here before the index (repeatable)
      --index-url URL    Python index (default: PIP_INDEX_URL, then pip's configuration)
      --docker-host URL  Docker engine (default: DOCKER_HOST, else unix:///var/run/docker.sock)
      --timeout SECONDS  wall-clock limit per build (default: 1800)
Exit codes: 0 all reproducible · 5 not reproducible · 3 reproducible but not equal to the pin ·
            1 a build failed or a package could not be judged
`;

/** `hbuild verify LOCK.yaml`: returns the exit code; the summary goes to stdout, progress to stderr. */
export async function runVerifyCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      variations: { type: 'string' },
      report: { type: 'string' },
      json: { type: 'boolean', default: false },
      store: { type: 'string' },
      jobs: { type: 'string', short: 'j' },
      only: { type: 'string' },
      'sdist-dir': { type: 'string', multiple: true, default: [] },
      'index-url': { type: 'string' },
      'docker-host': { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(VERIFY_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new HbuildError('ERR_USAGE', positionals.length === 0 ? 'no lock file given' : `one lock file expected, got ${positionals.length}`, {
      hint: 'hbuild verify path/to/lock.yaml',
    });
  }
  const jobs = values.jobs === undefined ? undefined : positiveInt('--jobs', values.jobs, 64);
  const timeout = values.timeout === undefined ? undefined : positiveInt('--timeout', values.timeout, 86_400);
  const variations = parseVariations(values.variations);
  const storeRoot = values.store ?? defaultStoreRoot();
  const { log, flush } = createRunLogger(storeRoot);
  const renderer = createRenderer(process.stderr.isTTY ? 'tty' : 'plain');
  try {
    const result = await verifyLock({
      lockPath: positionals[0] as string,
      storeRoot,
      jobs,
      only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
      indexUrl: values['index-url'],
      sdistDirs: values['sdist-dir'],
      engine: createEngine({ host: values['docker-host'] }),
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

function positiveInt(flag: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new HbuildError('ERR_USAGE', `${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}
