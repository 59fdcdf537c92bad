import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SigningKey } from '../../src/attest/keys.js';
import { VsaStatement } from '../../src/attest/schema.js';
import { verifyAttestations } from '../../src/attest/verify.js';
import { buildVerificationSummaries, writeVerificationSummary, type VerificationSummaryInput } from '../../src/attest/vsa.js';
import type { PackageRecord } from '../../src/wheelhouse/package-record.js';
import { makeSignedWheelhouse } from '../fixtures/wheelhouse.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('attest-vsa');
let out: string;
let records: PackageRecord[];
let key: SigningKey;

beforeEach(async () => {
  ({ out, records, key } = await makeSignedWheelhouse(tmp.path));
});

function input(results: Array<PackageRecord['name']>, failed: Record<string, 'differed' | 'failed' | 'inconclusive'> = {}): VerificationSummaryInput {
  return {
    timeVerified: '2025-03-01T12:00:00Z',
    wheels: records
      .filter((r) => results.includes(r.name))
      .map((r) => ({ name: r.name, version: r.version, file: r.wheel.file, sha256: r.wheel.sha256, result: failed[r.name] ?? 'reproduced', variations: ['tz', 'build-path', 'tz'] })),
  };
}

describe('verification summaries', () => {
  it('records every wheel, failures included, as PASSED or FAILED with the variations used', () => {
    const statements = buildVerificationSummaries(input(['flit_core', 'Demo.App', 'demo-lib'], { 'Demo.App': 'differed', 'demo-lib': 'inconclusive' }));

    expect(statements.map((s) => VsaStatement.parse(s))).toEqual(statements);
    expect(statements.map((s) => [s.subject[0]?.name, s.predicate.verificationResult, s.predicate.verifiedLevels[0]])).toEqual([
      ['Demo_App-1.0.0-py3-none-any.whl', 'FAILED', 'FAILED'],
      ['demo_lib-2.1-py3-none-any.whl', 'FAILED', 'FAILED'],
      ['flit_core-3.9.0-py3-none-any.whl', 'PASSED', 'HBUILD_REPRODUCED'],
    ]);
    expect(statements[0]?.predicate).toMatchObject({
      verifier: { id: 'urn:hbuild:verifier:0.1.0' },
      timeVerified: '2025-03-01T12:00:00.000Z',
      resourceUri: 'pkg:pypi/demo-app@1.0.0',
      policy: { uri: 'urn:hbuild:policy:reproducible-build:v1' },
      'urn:hbuild:reproduction': { result: 'differed', variations: ['build-path', 'tz'] },
    });
  });

  it('refuses malformed input', () => {
    const bad = input(['flit_core']);
    bad.wheels[0]!.sha256 = 'nope';

    expect(() => buildVerificationSummaries(bad)).toThrow(/invalid verification summary input/);
    expect(() => buildVerificationSummaries({ ...input(['flit_core']), wheels: [...input(['flit_core']).wheels, ...input(['flit_core']).wheels] })).toThrow(/listed twice/);
  });

  it('is signed into the wheelhouse and checked by attest verify', async () => {
    const written = await writeVerificationSummary(out, input(['flit_core', 'Demo.App'], { 'Demo.App': 'failed' }), key);

    const report = await verifyAttestations(out);

    expect(written).toEqual({ path: join(out, 'attestations/verification-summary.intoto.jsonl'), passed: 1, failed: 1 });
    expect(report.problems).toEqual([]);
    expect(report.verification).toEqual({ passed: ['flit_core-3.9.0-py3-none-any.whl'], failed: ['Demo_App-1.0.0-py3-none-any.whl'] });
  });

  it('catches a summary edited from FAILED to PASSED', async () => {
    const written = await writeVerificationSummary(out, input(['Demo.App'], { 'Demo.App': 'differed' }), key);
    const envelope = JSON.parse(await readFile(written.path, 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
    statement.predicate.verificationResult = 'PASSED';
    envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    await writeFile(written.path, `${JSON.stringify(envelope)}\n`);

    const report = await verifyAttestations(out);

    expect(report.problems).toEqual([{ file: 'attestations/verification-summary.intoto.jsonl', message: expect.stringContaining('signature that does not verify') }]);
  });
});
