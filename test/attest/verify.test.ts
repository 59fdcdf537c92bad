import { appendFile, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SigningKey } from '../../src/attest/keys.js';
import { verifyAttestations } from '../../src/attest/verify.js';
import { HbuildError } from '../../src/core/errors.js';
import { editStatement, makeSignedWheelhouse, sha256 } from '../fixtures/wheelhouse.js';
import { useTempDir } from '../helpers/tmp.js';

const APP = 'Demo_App-1.0.0-py3-none-any.whl';
const APP_STATEMENT = `attestations/${APP}.intoto.jsonl`;
const tmp = useTempDir('attest-verify');
let out: string;
let key: SigningKey;

beforeEach(async () => {
  ({ out, key } = await makeSignedWheelhouse(tmp.path));
});

describe('verifyAttestations', () => {
  it('passes an untouched wheelhouse and warns that the shipped key proves only consistency', async () => {
    const report = await verifyAttestations(out);

    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ wheels: 3, statements: 4, key: { keyid: key.keyid, source: 'wheelhouse' } });
    expect(report.warnings).toEqual([expect.stringContaining('pin the key you expect with --key')]);
  });

  it('catches a tampered wheel and names it', async () => {
    await appendFile(join(out, APP), 'evil');

    const report = await verifyAttestations(out);

    expect(report.problems).toContainEqual({ file: APP, message: expect.stringMatching(/^has sha256 [0-9a-f]{64}, but its signed provenance .* says [0-9a-f]{64}: the wheel was changed or replaced$/) });
    expect(report.problems.map((p) => p.file)).toEqual(expect.arrayContaining(['SHA256SUMS', 'requirements.txt', 'attestations/sbom.intoto.jsonl']));
  });

  it('catches a wheel replaced together with every unsigned list', async () => {
    const fake = Buffer.from('not the wheel that was built');
    await writeFile(join(out, APP), fake);
    const sha = sha256(fake);
    const sums = (await readFile(join(out, 'SHA256SUMS'), 'utf8')).replace(/^[0-9a-f]{64}(?= {2}Demo_App)/m, sha);
    await writeFile(join(out, 'SHA256SUMS'), sums);
    const reqs = (await readFile(join(out, 'requirements.txt'), 'utf8')).replace(/(demo-app==1\.0\.0 --hash=sha256:)[0-9a-f]{64}/, `$1${sha}`);
    await writeFile(join(out, 'requirements.txt'), reqs);

    const report = await verifyAttestations(out);

    expect(report.problems.map((p) => p.file)).toEqual([APP, 'attestations/sbom.intoto.jsonl', 'attestations/sbom.intoto.jsonl']);
  });

  it('catches a statement whose payload was edited', async () => {
    await editStatement(out, APP_STATEMENT, (s) => {
      s.predicate.buildDefinition.internalParameters.network = 'host';
    });

    const report = await verifyAttestations(out);

    expect(report.problems).toEqual([{ file: APP_STATEMENT, message: `has a signature that does not verify with key ${key.keyid}: the statement or its signature was changed` }]);
  });

  it('catches a statement re-pointed at a tampered wheel', async () => {
    await appendFile(join(out, APP), 'evil');
    const sha = sha256(await readFile(join(out, APP)));
    await editStatement(out, APP_STATEMENT, (s) => {
      s.subject[0].digest.sha256 = sha;
    });

    const report = await verifyAttestations(out);

    expect(report.problems).toContainEqual({ file: APP_STATEMENT, message: expect.stringContaining('signature that does not verify') });
  });

  it('catches a changed signature', async () => {
    const path = join(out, APP_STATEMENT);
    const envelope = JSON.parse(await readFile(path, 'utf8'));
    const sig = Buffer.from(envelope.signatures[0].sig, 'base64');
    sig[10] = (sig[10] as number) ^ 0x01;
    envelope.signatures[0].sig = sig.toString('base64');
    await writeFile(path, `${JSON.stringify(envelope)}\n`);

    const report = await verifyAttestations(out);

    expect(report.problems).toEqual([{ file: APP_STATEMENT, message: expect.stringContaining('signature that does not verify') }]);
  });

  it('reports a wheel without provenance and provenance without a wheel', async () => {
    await unlink(join(out, APP_STATEMENT));
    await writeFile(join(out, 'attestations/ghost-1.0-py3-none-any.whl.intoto.jsonl'), await readFile(join(out, 'attestations/flit_core-3.9.0-py3-none-any.whl.intoto.jsonl')));

    const report = await verifyAttestations(out);

    expect(report.problems).toContainEqual({ file: APP, message: `has no signed provenance (${APP_STATEMENT} is missing)` });
    expect(report.problems).toContainEqual({
      file: 'attestations/ghost-1.0-py3-none-any.whl.intoto.jsonl',
      message: 'is about "flit_core-3.9.0-py3-none-any.whl", but its file name says "ghost-1.0-py3-none-any.whl"',
    });
  });

  it('reports a statement about a wheel that is not here', async () => {
    await unlink(join(out, APP));

    const report = await verifyAttestations(out);

    expect(report.problems).toContainEqual({ file: APP_STATEMENT, message: `is about ${APP}, which is not in the wheelhouse` });
  });

  it('catches an edited SBOM file', async () => {
    const path = join(out, 'sbom.cdx.json');
    await writeFile(path, (await readFile(path, 'utf8')).replace('"hbuild:build-time",\n          "value": "true"', '"hbuild:build-time",\n          "value": "false"'));

    const report = await verifyAttestations(out);

    expect(report.problems).toEqual([{ file: 'sbom.cdx.json', message: 'differs from the signed SBOM in attestations/sbom.intoto.jsonl' }]);
  });

  it('catches edited SHA256SUMS and requirements.txt', async () => {
    await writeFile(join(out, 'SHA256SUMS'), `${'0'.repeat(64)}  ${APP}\n`);
    await appendFile(join(out, 'requirements.txt'), `evil==1.0 --hash=sha256:${'0'.repeat(64)}\n`);

    const report = await verifyAttestations(out);

    expect(report.problems).toContainEqual({ file: 'SHA256SUMS', message: expect.stringMatching(/^says Demo_App-1\.0\.0-py3-none-any\.whl has sha256 0{64}, but it has [0-9a-f]{64}$/) });
    expect(report.problems).toContainEqual({ file: 'SHA256SUMS', message: 'does not list flit_core-3.9.0-py3-none-any.whl' });
    expect(report.problems).toContainEqual({ file: 'requirements.txt', message: `pins evil==1.0 to sha256 ${'0'.repeat(64)}, which no wheel here has` });
  });

  it('fails closed on malformed, oversized, linked and unexpected attestation files', async () => {
    await writeFile(join(out, APP_STATEMENT), '{"payloadType": 1}\n');
    await writeFile(join(out, 'attestations/flit_core-3.9.0-py3-none-any.whl.intoto.jsonl'), Buffer.alloc(5 * 1024 * 1024, 0x20));
    await unlink(join(out, 'attestations/demo_lib-2.1-py3-none-any.whl.intoto.jsonl'));
    await symlink('/etc/hostname', join(out, 'attestations/demo_lib-2.1-py3-none-any.whl.intoto.jsonl'));
    await writeFile(join(out, 'attestations/notes.txt'), 'hello');

    const report = await verifyAttestations(out);

    expect(report.problems).toEqual(
      expect.arrayContaining([
        { file: 'attestations/notes.txt', message: 'is not a file hbuild writes' },
        { file: APP_STATEMENT, message: expect.stringContaining('is not a DSSE envelope') },
        { file: 'attestations/flit_core-3.9.0-py3-none-any.whl.intoto.jsonl', message: expect.stringContaining('more than the 4194304 allowed') },
        { file: 'attestations/demo_lib-2.1-py3-none-any.whl.intoto.jsonl', message: 'is a symbolic link' },
      ]),
    );
  });

  it('refuses a wheel that is a symlink', async () => {
    const target = join(tmp.path, 'elsewhere.whl');
    await writeFile(target, await readFile(join(out, APP)));
    await unlink(join(out, APP));
    await symlink(target, join(out, APP));

    const report = await verifyAttestations(out);

    expect(report.problems).toContainEqual({ file: APP, message: 'is not a regular file' });
  });

  it('reports an unattested wheelhouse and refuses a missing one', async () => {
    await rm(join(out, 'attestations'), { recursive: true });

    const report = await verifyAttestations(out);
    const missing = await verifyAttestations(join(tmp.path, 'nope')).catch((e: unknown) => e);

    expect(report.problems).toEqual([{ file: 'attestations/', message: expect.stringContaining('never attested') }]);
    expect(missing).toBeInstanceOf(HbuildError);
    expect((missing as HbuildError).code).toBe('ERR_USAGE');
  });
});

describe('verifyAttestations of a wheelhouse split into runtime and build-only wheels', () => {
  const FLIT = 'flit_core-3.9.0-py3-none-any.whl';
  let split: string;

  beforeEach(async () => {
    await rm(tmp.path, { recursive: true, force: true });
    ({ out: split } = await makeSignedWheelhouse(tmp.path, { requested: [{ key: 'demo-app', extras: [] }] }));
  });

  it('passes as published: requirements.txt pins the input, build-requirements.txt includes it and pins the rest', async () => {
    const report = await verifyAttestations(split);
    const requirements = await readFile(join(split, 'requirements.txt'), 'utf8');
    const build = await readFile(join(split, 'build-requirements.txt'), 'utf8');

    expect(report.problems).toEqual([]);
    expect(requirements.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([expect.stringMatching(/^demo-app==1\.0\.0 --hash=sha256:[0-9a-f]{64}$/)]);
    expect(build.split('\n').filter((l) => l !== '' && !l.startsWith('#'))).toEqual([
      '-r requirements.txt',
      expect.stringMatching(/^demo-lib==2\.1 --hash=sha256:[0-9a-f]{64}$/),
      expect.stringMatching(/^flit-core==3\.9\.0 --hash=sha256:[0-9a-f]{64}$/),
    ]);
  });

  it('catches a build-only wheel moved into requirements.txt, where installing would put it at run time', async () => {
    const build = await readFile(join(split, 'build-requirements.txt'), 'utf8');
    const flit = build.split('\n').find((l) => l.startsWith('flit-core=='));
    await writeFile(join(split, 'build-requirements.txt'), build.replace(`${flit}\n`, ''));
    await appendFile(join(split, 'requirements.txt'), `${flit}\n`);

    const report = await verifyAttestations(split);

    expect(report.problems).toEqual([{ file: 'requirements.txt', message: `pins ${FLIT}, which the signed SBOM records as build-only: installing requirements.txt would install it` }]);
  });

  it('catches a runtime wheel moved into build-requirements.txt, a pin in both, a missing include and a missing file', async () => {
    const requirements = await readFile(join(split, 'requirements.txt'), 'utf8');
    const app = requirements.split('\n').find((l) => l.startsWith('demo-app=='));
    const build = await readFile(join(split, 'build-requirements.txt'), 'utf8');
    await writeFile(join(split, 'requirements.txt'), requirements.replace(`${app}\n`, ''));
    await writeFile(join(split, 'build-requirements.txt'), `${build.replace('-r requirements.txt\n', '')}${app}\n`);
    const moved = await verifyAttestations(split);
    await writeFile(join(split, 'requirements.txt'), requirements);
    const both = await verifyAttestations(split);
    await unlink(join(split, 'build-requirements.txt'));
    const missing = await verifyAttestations(split);

    expect(moved.problems).toEqual(
      expect.arrayContaining([
        { file: 'build-requirements.txt', message: 'does not include requirements.txt (a line "-r requirements.txt")' },
        { file: 'build-requirements.txt', message: `pins ${APP}, which the signed SBOM records as a runtime package of requirements.txt` },
      ]),
    );
    expect(moved.problems).toHaveLength(2);
    expect(both.problems).toContainEqual({ file: 'build-requirements.txt', message: `pins ${APP}, which requirements.txt pins too` });
    expect(missing.problems).toEqual([
      { file: 'build-requirements.txt', message: 'does not pin demo_lib-2.1-py3-none-any.whl' },
      { file: 'build-requirements.txt', message: `does not pin ${FLIT}` },
    ]);
  });

  it('accepts a wheelhouse from before build-requirements.txt, whose requirements.txt pins every wheel', async () => {
    await rm(tmp.path, { recursive: true, force: true });
    const { out: old } = await makeSignedWheelhouse(tmp.path);
    await unlink(join(old, 'build-requirements.txt'));

    const report = await verifyAttestations(old);

    expect(report.problems).toEqual([]);
  });
});
