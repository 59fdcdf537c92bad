import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { envelopeLine, signStatement } from '../../src/attest/dsse.js';
import type { SigningKey } from '../../src/attest/keys.js';
import { renderSbom } from '../../src/attest/sbom.js';
import { verifyAttestations } from '../../src/attest/verify.js';
import { makeSignedWheelhouse, otherKey, sha256 } from '../fixtures/wheelhouse.js';
import { useTempDir } from '../helpers/tmp.js';

const APP = 'Demo_App-1.0.0-py3-none-any.whl';
const APP_STATEMENT = `attestations/${APP}.intoto.jsonl`;
const SHIPPED_KEY = 'attestations/signing-key.pub.pem';
const tmp = useTempDir('attest-keys');
let out: string;
let key: SigningKey;

beforeEach(async () => {
  ({ out, key } = await makeSignedWheelhouse(tmp.path));
});

async function pinnedKey(): Promise<string> {
  const path = join(tmp.path, 'pinned.pub.pem');
  await writeFile(path, key.publicPem);
  return path;
}

describe('verifyAttestations and the signing key', () => {
  it('passes without a warning when the key is pinned', async () => {
    const report = await verifyAttestations(out, { keyPath: await pinnedKey() });

    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.key).toEqual({ keyid: key.keyid, source: 'pinned' });
  });

  it('catches a replaced public key: every envelope names the key that signed it', async () => {
    await writeFile(join(out, SHIPPED_KEY), otherKey().publicPem);

    const report = await verifyAttestations(out);

    expect(report.problems).toHaveLength(4);
    expect(report.problems).toContainEqual({ file: APP_STATEMENT, message: expect.stringMatching(new RegExp(`^is signed by key ${key.keyid}, not by the trusted key [0-9a-f]{64}$`)) });
  });

  it('catches a corrupted public key and names the file', async () => {
    const path = join(out, SHIPPED_KEY);
    // The algorithm identifier in the SPKI header: 1.3.101.112 (ed25519) becomes 1.3.101.113 (ed448, wrong key length).
    await writeFile(path, (await readFile(path, 'utf8')).replace('MCowBQYDK2VwAyEA', 'MCowBQYDK2VxAyEA'));

    const report = await verifyAttestations(out);

    expect(report.problems).toEqual([{ file: SHIPPED_KEY, message: expect.stringMatching(/^is not a public key: /) }]);
    expect(report.statements).toBe(0);
  });

  it('catches a wheelhouse re-signed with another key only when the key is pinned', async () => {
    await appendFile(join(out, APP), 'evil');
    const attacker = otherKey();
    await forge(attacker);

    const unpinned = await verifyAttestations(out);
    const pinned = await verifyAttestations(out, { keyPath: await pinnedKey() });

    expect(unpinned.problems).toEqual([]);
    expect(unpinned.warnings).toHaveLength(1);
    expect(pinned.problems).toContainEqual({ file: SHIPPED_KEY, message: `is key ${attacker.keyid}, not the pinned key ${key.keyid}` });
    expect(pinned.problems).toContainEqual({ file: APP_STATEMENT, message: `is signed by key ${attacker.keyid}, not by the trusted key ${key.keyid}` });
  });
});

/** What an attacker who can write the wheelhouse does: make every file agree with the tampered wheel and sign with their own key. */
async function forge(attacker: SigningKey): Promise<void> {
  const wheels = (await readdir(out)).filter((f) => f.endsWith('.whl')).sort();
  const digests = new Map<string, string>();
  for (const w of wheels) digests.set(w, sha256(await readFile(join(out, w))));
  for (const name of await readdir(join(out, 'attestations'))) {
    if (!name.endsWith('.intoto.jsonl')) continue;
    const path = join(out, 'attestations', name);
    const envelope = JSON.parse(await readFile(path, 'utf8'));
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    for (const subject of statement.subject) subject.digest.sha256 = digests.get(subject.name);
    if (statement.predicate.components) {
      for (const c of statement.predicate.components) {
        c.hashes[0].content = digests.get(c.properties.find((p: { name: string }) => p.name === 'hbuild:wheel:file').value);
      }
      await writeFile(join(out, 'sbom.cdx.json'), renderSbom(statement.predicate));
    }
    await writeFile(path, envelopeLine(signStatement(statement, attacker)));
  }
  await writeFile(join(out, SHIPPED_KEY), attacker.publicPem);
  await writeFile(join(out, 'SHA256SUMS'), wheels.map((w) => `${digests.get(w)}  ${w}\n`).join(''));
  const reqs = (await readFile(join(out, 'requirements.txt'), 'utf8')).replace(/(demo-app==1\.0\.0 --hash=sha256:)[0-9a-f]{64}/, `$1${digests.get(APP)}`);
  await writeFile(join(out, 'requirements.txt'), reqs);
}
