import { createEngine } from '../engine/index.js';
import { readFile, writeFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { HbuildError, type ErrorCode } from '../core/errors.js';
import { defaultStoreRoot } from '../store/store.js';
import { renderVetText } from '../vet/report-text.js';
import { renderSarif } from '../vet/sarif.js';
import { parseVetExceptions, type VetException } from '../vet/schema.js';
import { isRefused } from '../vet/verdict.js';
import { vetLock } from '../pipeline/vet-lock.js';
import { EXIT, worstExitCode } from '../core/exit-codes.js';
import { printHelp } from './command-help.js';
import { VET } from './commands.js';
import { parseCommand } from './parse-command.js';

/** `--exceptions FILE`: a YAML/JSON list, or `{ exceptions: […] }`, or a recipe's `{ vet: { exceptions: […] } }`. */
async function readExceptions(path: string): Promise<VetException[]> {
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(path, 'utf8'));
  } catch (err) {
    throw new HbuildError('ERR_USAGE', `cannot read exceptions from ${path}: ${(err as Error).message}`, { cause: err });
  }
  const table = raw as { exceptions?: unknown; vet?: { exceptions?: unknown } } | null;
  const list = Array.isArray(raw) ? raw : (table?.vet?.exceptions ?? table?.exceptions ?? []);
  return parseVetExceptions(list, path);
}

/**
 * `hbuild vet LOCK`: fetch and vet every pinned sdist without building.
 * Exit 0 when everything passes or only warns, 4 when anything is blocked or
 * held, the worst error's code when an sdist could not be vetted at all.
 */
export async function runVetCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseCommand(VET, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { values, args } = parsed;
  const format = values.format;
  const exceptions = values.exceptions === undefined ? [] : await readExceptions(values.exceptions);
  const vetted = await vetLock({
    lockPath: args.lock,
    only: values.only,
    storeRoot: values.store ?? defaultStoreRoot(),
    sdistDirs: values['sdist-dir'],
    indexUrl: values['index-url'],
    minAgeDays: values['min-age'],
    recipesDir: values.recipes,
    exceptions,
    // Vetting runs no container, but sweeps what crashed runs left behind (DOCKER_HOST) while it reads.
    engine: createEngine(),
    onPackage: (v) => {
      if (!values.quiet && (format !== 'text' || values.output !== undefined)) process.stderr.write(`vetted ${v.name} ${v.version}: ${v.error ? 'error' : v.result!.verdict}\n`);
    },
    signal,
  });
  const report =
    format === 'text'
      ? renderVetText(vetted)
      : `${JSON.stringify(format === 'json' ? vetted.map((v) => ({ ...v, error: v.error && { code: v.error.code, message: v.error.message } })) : renderSarif(vetted), null, 2)}\n`;
  if (values.output !== undefined) await writeFile(values.output, report);
  else process.stdout.write(report);
  if (signal.aborted) return EXIT.cancelled;
  const codes: ErrorCode[] = vetted.flatMap((v) => (v.error ? [v.error.code] : isRefused(v.result!) ? ['ERR_VET_BLOCKED' as const] : []));
  return worstExitCode(codes);
}
