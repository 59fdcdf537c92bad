import { parseArgs } from 'node:util';
import { verifyAttestations, type AttestVerifyReport } from '../attest/verify.js';
import { attestWheelhouse } from '../attest/write.js';
import { HbuildError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';

export const ATTEST_USAGE = `Usage:
  hbuild attest verify WHEELHOUSE [--key PUBLIC.pem] [--json]
      check every signature, subject digest, the SBOM, SHA256SUMS and requirements.txt offline
  hbuild attest sign WHEELHOUSE [--key PRIVATE.pem]
      (re)write the signed provenance, SBOM and public key of a published wheelhouse
`;

/** `hbuild attest verify|sign`. Returns the exit code; usage mistakes are thrown as ERR_USAGE. */
export async function runAttestCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === 'verify') return runVerify(rest);
  if (verb === 'sign') return runSign(rest, signal);
  throw new HbuildError('ERR_USAGE', `unknown attest command ${JSON.stringify(verb ?? '')}`, { hint: ATTEST_USAGE });
}

function parse(argv: string[]): { wheelhouse: string; key: string | undefined; json: boolean } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { key: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  const [wheelhouse] = positionals;
  if (wheelhouse === undefined || positionals.length !== 1) {
    throw new HbuildError('ERR_USAGE', positionals.length === 0 ? 'no wheelhouse given' : `one wheelhouse expected, got ${positionals.length}`, { hint: ATTEST_USAGE });
  }
  return { wheelhouse, key: values.key, json: values.json };
}

async function runVerify(argv: string[]): Promise<number> {
  const { wheelhouse, key, json } = parse(argv);
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
    `attestations of ${report.wheelhouse} verified: ${report.wheels} wheels, ${report.statements} signed statements, SBOM, SHA256SUMS, requirements.txt`,
    `signing key ${report.key?.keyid ?? '?'} (${report.key?.source === 'pinned' ? 'pinned with --key' : 'shipped in the wheelhouse'})`,
  ];
  if (report.verification !== null) {
    const { passed, failed } = report.verification;
    lines.push(`last verify run: ${passed.length} reproduced, ${failed.length} not${failed.length > 0 ? ` (${failed.join(', ')})` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

async function runSign(argv: string[], signal: AbortSignal): Promise<number> {
  const { wheelhouse, key } = parse(argv);
  if (signal.aborted) return EXIT.cancelled;
  const result = await attestWheelhouse(wheelhouse, { keyPath: key });
  if (result.generatedKey) process.stderr.write(`hbuild: created signing key ${result.keyPath} (keep it private; its public half is beside it)\n`);
  process.stderr.write(`signed ${result.statements} statements in ${wheelhouse} with key ${result.keyid}\n`);
  return EXIT.ok;
}
