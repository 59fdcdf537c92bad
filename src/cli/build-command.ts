import { parseArgs } from 'node:util';
import { HbuildError } from '../core/errors.js';
import { createEngine } from '../engine/index.js';
import { buildLock } from '../pipeline/build-lock.js';
import { defaultStoreRoot } from '../store/store.js';
import { EXIT, worstExitCode } from '../core/exit-codes.js';
import { createRunLogger } from './logger.js';
import { createRenderer } from './render.js';
import { summarize } from '../pipeline/summary.js';
import { writeBuildReport } from './build-report.js';

export async function runBuildCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o', default: 'wheelhouse' },
      store: { type: 'string' },
      jobs: { type: 'string', short: 'j' },
      record: { type: 'boolean', default: false },
      only: { type: 'string' },
      'fail-fast': { type: 'boolean', default: false },
      'sdist-dir': { type: 'string', multiple: true, default: [] },
      recipes: { type: 'string' },
      'signing-key': { type: 'string' },
      'index-url': { type: 'string' },
      'docker-host': { type: 'string' },
      json: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      daemon: { type: 'boolean', default: false },
      vet: { type: 'string', default: 'enforce' },
      'min-age': { type: 'string' },
    },
  });
  if (positionals.length !== 1) {
    throw new HbuildError('ERR_USAGE', positionals.length === 0 ? 'no lock file given' : `one lock file expected, got ${positionals.length}`, {
      hint: 'hbuild build path/to/lock.yaml',
    });
  }
  const jobs = values.jobs === undefined ? undefined : positiveInt('--jobs', values.jobs, 64);
  if (values.vet !== 'enforce' && values.vet !== 'report') {
    throw new HbuildError('ERR_USAGE', `--vet must be enforce or report, got ${JSON.stringify(values.vet)}`);
  }
  const vet = values.vet;
  const minAgeDays = values['min-age'] === undefined ? undefined : Number(values['min-age']);
  if (minAgeDays !== undefined && (!Number.isInteger(minAgeDays) || minAgeDays < 0 || minAgeDays > 3650)) {
    throw new HbuildError('ERR_USAGE', `--min-age must be a whole number of days from 0 to 3650, got ${JSON.stringify(values['min-age'])}`);
  }
  const timeout = values.timeout === undefined ? undefined : positiveInt('--timeout', values.timeout, 86_400);
  const only = values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  if (values.daemon || (process.env.HBUILD_DAEMON ?? '') !== '') {
    for (const flag of ['store', 'docker-host', 'sdist-dir', 'index-url', 'timeout', 'recipes', 'signing-key', 'min-age'] as const) {
      const value = values[flag];
      if (value !== undefined && !(Array.isArray(value) && value.length === 0)) {
        throw new HbuildError('ERR_USAGE', `--${flag} cannot be used with the daemon: it uses its own store, engine and settings`, { hint: 'drop the flag, or run without --daemon' });
      }
    }
    const { submitViaDaemon } = await import('./daemon-client.js');
    const renderer = createRenderer(values.json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain');
    try {
      return await submitViaDaemon(
        'build',
        positionals[0] as string,
        { record: values.record, only, jobs, failFast: values['fail-fast'], out: values.out, json: values.json },
        (event) => renderer.emit(event),
        signal,
      );
    } finally {
      renderer.close();
    }
  }
  const storeRoot = values.store ?? defaultStoreRoot();
  const { log, flush } = createRunLogger(storeRoot);
  const renderer = createRenderer(values.json ? 'json' : process.stderr.isTTY ? 'tty' : 'plain');
  try {
    const result = await buildLock({
      lockPath: positionals[0] as string,
      outDir: values.out,
      storeRoot,
      jobs,
      record: values.record,
      failFast: values['fail-fast'],
      only,
      indexUrl: values['index-url'],
      sdistDirs: values['sdist-dir'],
      recipesDir: values.recipes,
      signingKey: values['signing-key'],
      vet,
      minAgeDays,
      engine: createEngine({ host: values['docker-host'] }),
      limits: timeout === undefined ? {} : { timeoutMs: timeout * 1000 },
      log,
      emit: (event) => {
        log.info({ event }, 'event');
        renderer.emit(event);
      },
      signal,
    });
    renderer.close();
    writeBuildReport(process.stderr, summarize(result, values.out), positionals[0] as string, { json: values.json, out: values.out });
    if (signal.aborted) return EXIT.cancelled;
    return worstExitCode(result.failures.map((f) => f.error.code));
  } finally {
    renderer.close();
    flush();
  }
}

function positiveInt(flag: string, raw: string, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new HbuildError('ERR_USAGE', `${flag} must be a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}
