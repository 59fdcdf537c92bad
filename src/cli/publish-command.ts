import { stat } from 'node:fs/promises';
import { EXIT } from '../core/exit-codes.js';
import { HbuildError } from '../core/errors.js';
import type { HbuildEvent } from '../core/events.js';
import { loadNetrc } from '../fetch/netrc.js';
import { keyringCommand, publishWheelhouseToIndex } from '../publish/index.js';
import { printHelp } from './command-help.js';
import { PUBLISH } from './commands.js';
import { parseCommand } from './parse-command.js';

/**
 * `hbuild publish WHEELHOUSE --repository URL`. Progress goes to stderr, one line per wheel
 * (or NDJSON events on stdout with --json); the password is never printed.
 */
export async function runPublishCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseCommand(PUBLISH, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { wheelhouse } = parsed.args;
  const { username, attestations, json } = parsed.values;
  // As twine: the flag, else TWINE_REPOSITORY_URL.
  const repository = parsed.values.repository ?? (process.env.TWINE_REPOSITORY_URL || undefined);
  if (repository === undefined) throw new HbuildError('ERR_USAGE', 'no --repository given, and TWINE_REPOSITORY_URL is not set', { hint: 'hbuild publish WHEELHOUSE --repository https://index.example/upload/' });
  if (!(await stat(wheelhouse).catch(() => undefined))?.isDirectory()) {
    throw new HbuildError('ERR_USAGE', `wheelhouse ${wheelhouse} is not a directory`, { hint: 'pass the directory `hbuild build --out` wrote' });
  }
  const emit = (event: HbuildEvent): void => {
    if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else if (event.type === 'package') process.stderr.write(`${event.status === 'cached' ? '=' : event.status === 'done' ? '↑' : '·'} ${event.message ?? `${event.name} ${event.version}`}\n`);
  };
  const result = await publishWheelhouseToIndex({
    wheelhouse,
    repository,
    indexUrl: parsed.values['index-url'],
    username,
    attestations,
    dryRun: parsed.values['dry-run'],
    env: process.env,
    netrc: await loadNetrc(),
    keyring: keyringCommand(),
    emit,
    signal,
  });
  const summary = `hbuild: publish${parsed.values['dry-run'] ? ' (dry run)' : ''}: ${result.uploaded.length} uploaded, ${result.skipped.length} already there; attestations ${result.attestations.sent ? 'sent' : 'not sent'} (${result.attestations.reason})`;
  if (json) process.stdout.write(`${JSON.stringify({ type: 'publish', ...result })}\n`);
  process.stderr.write(`${summary}${result.credentials === null ? '' : `; as ${result.credentials.username} (password from ${result.credentials.passwordFrom})`}\n`);
  return EXIT.ok;
}
