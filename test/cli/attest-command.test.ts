import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAttestCommand } from '../../src/cli/attest-command.js';
import { exitCodeFor } from '../../src/core/exit-codes.js';
import { HbuildError } from '../../src/core/errors.js';
import { makeWheelhouse } from '../fixtures/wheelhouse.js';
import { captureOutput, type CapturedOutput } from '../helpers/output.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('attest-cli');
let out: string;
let output: CapturedOutput;
const signal = new AbortController().signal;

beforeEach(async () => {
  vi.stubEnv('XDG_CONFIG_HOME', join(tmp.path, 'config'));
  ({ out } = await makeWheelhouse(tmp.path));
  output = captureOutput();
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('hbuild attest', () => {
  it('signs with a key created on first use, then verifies with a warning about the shipped key', async () => {
    const signed = await runAttestCommand(['sign', out], signal);

    const verified = await runAttestCommand(['verify', out], signal);

    expect(signed).toBe(0);
    expect(verified).toBe(0);
    expect(output.stderr).toContain(`created signing key ${join(tmp.path, 'config/hbuild/signing-key.pem')}`);
    expect(output.stderr).toContain('hbuild: warning: trusting attestations/signing-key.pub.pem');
    expect(output.stderr).toContain('verified: 3 wheels, 4 signed statements');
  });

  it('verifies against a pinned key and prints the report as JSON', async () => {
    await runAttestCommand(['sign', out], signal);
    output.clear();

    const code = await runAttestCommand(['verify', out, '--key', join(tmp.path, 'config/hbuild/signing-key.pub.pem'), '--json'], signal);

    expect(code).toBe(0);
    expect(JSON.parse(output.stdout)).toMatchObject({ problems: [], warnings: [], key: { source: 'pinned' } });
  });

  it('exits 3 and names the tampered file', async () => {
    await runAttestCommand(['sign', out], signal);
    await appendFile(join(out, 'flit_core-3.9.0-py3-none-any.whl'), 'x');

    const code = await runAttestCommand(['verify', out], signal);

    expect(code).toBe(3);
    expect(output.stderr).toMatch(/✗ flit_core-3\.9\.0-py3-none-any\.whl: has sha256 [0-9a-f]{64}, but its signed provenance/);
    expect(output.stderr).toContain(`hbuild: error: wheelhouse ${out} failed attestation checks`);
  });

  it('exits 3 on a tampered public key', async () => {
    await runAttestCommand(['sign', out], signal);
    await writeFile(join(out, 'attestations/signing-key.pub.pem'), 'garbage\n');

    const code = await runAttestCommand(['verify', out], signal);

    expect(code).toBe(3);
    expect(output.stderr).toContain('✗ attestations/signing-key.pub.pem: is not a single PEM "PUBLIC KEY" block');
  });

  it('refuses usage mistakes with ERR_USAGE', async () => {
    const errors = await Promise.all(
      [['verify'], ['verify', 'a', 'b'], ['frobnicate'], ['verify', out, '--key', join(tmp.path, 'missing.pem')]].map((argv) =>
        runAttestCommand(argv, signal).catch((e: unknown) => e),
      ),
    );

    expect(errors.map((e) => (e as HbuildError).code)).toEqual(['ERR_USAGE', 'ERR_USAGE', 'ERR_USAGE', 'ERR_USAGE']);
    expect(exitCodeFor('ERR_USAGE')).toBe(2);
    expect(exitCodeFor('ERR_ATTESTATION_INVALID')).toBe(3);
  });

  it('refuses to sign a wheelhouse whose wheel no longer matches its manifest', async () => {
    await appendFile(join(out, 'flit_core-3.9.0-py3-none-any.whl'), 'x');

    const err = await runAttestCommand(['sign', out], signal).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(HbuildError);
    expect((err as HbuildError).code).toBe('ERR_ATTESTATION_INVALID');
  });
});
