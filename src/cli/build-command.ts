import { parseArgs } from 'node:util';
import { HbuildError } from '../errors.js';
import { buildLock } from '../pipeline/build-lock.js';
import { defaultStoreRoot } from '../store/store.js';
import { EXIT, worstExitCode } from './exit-codes.js';
import { createRunLogger } from './logger.js';
import { createRenderer } from './render.js';

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
    },
  });
  if (positionals.length !== 1) {
    throw new HbuildError('ERR_USAGE', positionals.length === 0 ? 'no lock file given' : `one lock file expected, got ${positionals.length}`, {
      hint: 'hbuild build path/to/lock.yaml',
    });
  }
  const jobs = values.jobs === undefined ? undefined : positiveInt('--jobs', values.jobs, 64);
  const timeout = values.timeout === undefined ? undefined : positiveInt('--timeout', values.timeout, 86_400);
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
      only: values.only?.split(',').map((s) => s.trim()).filter(Boolean),
      indexUrl: values['index-url'],
      sdistDirs: values['sdist-dir'],
      recipesDir: values.recipes,
      signingKey: values['signing-key'],
      docker: { host: values['docker-host'] },
      limits: timeout === undefined ? {} : { timeoutMs: timeout * 1000 },
      log,
      emit: (event) => {
        log.info({ event }, 'event');
        renderer.emit(event);
      },
      signal,
    });
    renderer.close();
    for (const failure of result.failures) {
      if (failure.error.code === 'ERR_DEPENDENCY_FAILED' && !values.json) continue;
      process.stderr.write(`✗ ${failure.name} ${failure.version} (${failure.stage}): ${failure.error.message}\n`);
      const tail = failure.error.details.logTail;
      if (typeof tail === 'string' && tail) process.stderr.write(`${indent(tail)}\n`);
      if (failure.error.hint) process.stderr.write(`  hint: ${failure.error.hint}\n`);
    }
    const skipped = result.failures.filter((f) => f.error.code === 'ERR_DEPENDENCY_FAILED');
    if (skipped.length > 0) process.stderr.write(`– not built because a build requirement failed: ${skipped.map((f) => f.name).join(', ')}\n`);
    if (result.published) process.stderr.write(`wheelhouse: ${values.out} (${result.records.length} wheels)\n`);
    if (result.recorded > 0) process.stderr.write(`recorded ${result.recorded} wheel hashes in ${positionals[0]}\n`);
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

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    | ${l}`)
    .join('\n');
}
