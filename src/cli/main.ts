import { diskFullError, HbuildError, isHbuildError } from '../core/errors.js';
import { HBUILD_VERSION } from '../core/version.js';
import { EXIT, exitCodeFor } from '../core/exit-codes.js';

/** Entry point: returns the process exit code; never calls process.exit itself. */
export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    process.stderr.write(interrupts === 1 ? '\nhbuild: stopping; removing containers (Ctrl-C again to force)\n' : '');
    if (interrupts > 1) process.exit(EXIT.cancelled);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await dispatch(argv, controller.signal);
  } catch (err) {
    return reportError(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function dispatch(argv: string[], signal: AbortSignal): Promise<number> {
  const [first, ...rest] = argv;
  if (first === 'help' && rest.length > 0) return dispatch([...rest, '--help'], signal);
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    process.stdout.write((await import('./usage.js')).renderUsage());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === 'version') {
    process.stdout.write(`hbuild ${HBUILD_VERSION}\n`);
    return EXIT.ok;
  }
  // Commands load on demand, so `hbuild --version` and a cached build stay quick to start.
  if (first === 'image') return (await import('./image-command.js')).runImageCommand(rest, signal);
  if (first === 'store') return (await import('./store-command.js')).runStoreCommand(rest);
  if (first === 'vet') return (await import('./vet-command.js')).runVetCommand(rest, signal);
  if (first === 'verify') return (await import('./verify-command.js')).runVerifyCommand(rest, signal);
  if (first === 'lock') return (await import('./lock-command.js')).runLockCommand(rest, signal);
  if (first === 'daemon') return (await import('./daemon-command.js')).runDaemonCommand(rest, signal);
  if (first === 'engines') return (await import('./engines-command.js')).runEnginesCommand(rest);
  if (first === 'attest') return (await import('./attest-command.js')).runAttestCommand(rest, signal);
  if (first === 'publish') return (await import('./publish-command.js')).runPublishCommand(rest, signal);
  if (first === 'build') return (await import('./build-command.js')).runBuildCommand(rest, signal);
  if (first.endsWith('.yaml') || first.endsWith('.yml') || first.startsWith('-')) return (await import('./build-command.js')).runBuildCommand(argv, signal);
  throw new HbuildError('ERR_USAGE', `unknown command ${JSON.stringify(first)}`, { hint: 'run `hbuild help` for the commands' });
}

export function reportError(thrown: unknown): number {
  const err = diskFullError(thrown) ?? thrown;
  if (isHbuildError(err)) {
    process.stderr.write(`hbuild: error: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    if (err.code === 'ERR_INTERNAL' && err.cause instanceof Error) process.stderr.write(`${err.cause.stack}\n`);
    return exitCodeFor(err.code);
  }
  process.stderr.write(`hbuild: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.buildFailed;
}
