import { verifyAttestations, type AttestVerifyReport } from '../attest/verify.js';
import { attestWheelhouse } from '../attest/write.js';
import { EXIT } from '../core/exit-codes.js';
import { isHelpFlag, printHelp, renderGroupHelp, unknownSubcommand } from './command-help.js';
import { ATTEST_SIGN, ATTEST_VERIFY } from './commands.js';
import { parseCommand } from './parse-command.js';

/** `hbuild attest verify|sign`. Returns the exit code; usage mistakes are thrown as ERR_USAGE. */
export async function runAttestCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const [verb, ...rest] = argv;
  if (isHelpFlag(verb)) return printHelp(renderGroupHelp('attest'));
  if (verb === 'verify') return runVerify(rest);
  if (verb === 'sign') return runSign(rest, signal);
  throw unknownSubcommand('attest', verb);
}

async function runVerify(argv: string[]): Promise<number> {
  const parsed = parseCommand(ATTEST_VERIFY, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { wheelhouse } = parsed.args;
  const { key, json } = parsed.values;
  const report = await verifyAttestations(wheelhouse, { keyPath: key });
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
  for (const warning of report.warnings) process.stderr.write(`hbuild: warning: ${warning}\n`);
  if (report.problems.length > 0) {
    for (const p of report.problems) process.stderr.write(`✗ ${p.file}: ${p.message}\n`);
    const count = report.problems.length === 1 ? '1 problem' : `${report.problems.length} problems`;
    process.stderr.write(`hbuild: error: wheelhouse ${wheelhouse} failed attestation checks (${count})\n`);
    process.stderr.write('hint: do not install from it; rebuild it from the lock, or find out who changed it\n');
    return EXIT.integrity;
  }
  process.stderr.write(summary(report));
  return EXIT.ok;
}

function summary(report: AttestVerifyReport): string {
  const lines = [
    `attestations of ${report.wheelhouse} verified: ${report.wheels} wheels, ${report.statements} signed statements, SBOM, SHA256SUMS, requirements.txt, build-requirements.txt`,
    `signing key ${report.key?.keyid ?? '?'} (${report.key?.source === 'pinned' ? 'pinned with --key' : 'shipped in the wheelhouse'})`,
  ];
  if (report.verification !== null) {
    const { passed, failed } = report.verification;
    lines.push(`last verify run: ${passed.length} reproduced, ${failed.length} not${failed.length > 0 ? ` (${failed.join(', ')})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

async function runSign(argv: string[], signal: AbortSignal): Promise<number> {
  const parsed = parseCommand(ATTEST_SIGN, argv);
  if (parsed.help) return printHelp(parsed.usage);
  const { wheelhouse } = parsed.args;
  const { key } = parsed.values;
  if (signal.aborted) return EXIT.cancelled;
  const result = await attestWheelhouse(wheelhouse, { keyPath: key });
  if (result.generatedKey) process.stderr.write(`hbuild: created signing key ${result.keyPath} (keep it private; its public half is beside it)\n`);
  process.stderr.write(`signed ${result.statements} statements in ${wheelhouse} with key ${result.keyid}\n`);
  return EXIT.ok;
}
