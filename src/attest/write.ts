import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_LIMITS, type ContainerLimits } from '../engine/container-limits.js';
import { HbuildError } from '../core/errors.js';
import { sha256File } from '../core/digest.js';
import { tempPathFor, writeFileAtomic } from '../core/fs-atomic.js';
import { envelopeLine, signStatement } from './dsse.js';
import { loadSigningKey, type SigningKey } from './keys.js';
import { readManifest } from './read-manifest.js';
import { ATTESTATIONS_DIR, CYCLONEDX_TYPE, PUBLIC_KEY_FILE, SBOM_FILE, SBOM_STATEMENT_FILE, STATEMENT_TYPE, statementFileFor } from './vocabulary.js';
import { buildProvenance } from './provenance.js';
import { buildSbom, renderSbom } from './sbom.js';
import type { Manifest } from './schema.js';
import { listWheelFiles } from './wheel-files.js';

export interface AttestOptions {
  /** PKCS#8 ed25519 private key; default: the user's key, created on first use. */
  keyPath?: string;
  /** A key already loaded; wins over keyPath. */
  key?: SigningKey;
  /** The run's container limits, recorded in each provenance; default: DEFAULT_LIMITS. */
  limits?: ContainerLimits;
  /** Environment for finding the default key (XDG_CONFIG_HOME). */
  env?: NodeJS.ProcessEnv;
}

export interface AttestResult {
  statements: number;
  keyid: string;
  keyPath: string;
  generatedKey: boolean;
  sbomPath: string;
  publicKeyPath: string;
}

/**
 * Attest the wheelhouse in `wheelhouseDir` (published or still staged): a signed
 * SLSA provenance statement per wheel in `attestations/<wheel>.intoto.jsonl`, the
 * CycloneDX SBOM as `sbom.cdx.json` and signed in `attestations/sbom.intoto.jsonl`,
 * and the public key as `attestations/signing-key.pub.pem`. Every wheel is
 * re-hashed first: nothing is signed that does not match manifest.json. The
 * attestations directory is replaced as a whole, so no stale statement survives.
 */
export async function attestWheelhouse(wheelhouseDir: string, options: AttestOptions = {}): Promise<AttestResult> {
  const manifest = await readManifest(wheelhouseDir);
  await checkWheels(wheelhouseDir, manifest);
  const key = options.key ?? (await loadSigningKey({ keyPath: options.keyPath, env: options.env }));
  const limits = options.limits ?? DEFAULT_LIMITS;
  const bom = buildSbom(manifest);
  const sbomStatement = {
    _type: STATEMENT_TYPE,
    subject: [...manifest.packages]
      .sort((a, b) => (a.wheel.file < b.wheel.file ? -1 : 1))
      .map((p) => ({ name: p.wheel.file, digest: { sha256: p.wheel.sha256 } })),
    predicateType: CYCLONEDX_TYPE,
    predicate: bom,
  };

  const target = join(wheelhouseDir, ATTESTATIONS_DIR);
  const staging = tempPathFor(target);
  const previous = tempPathFor(target);
  await mkdir(staging);
  let setAside = false;
  try {
    for (const pkg of manifest.packages) {
      const envelope = signStatement(buildProvenance(pkg, manifest, limits), key);
      await writeFile(join(staging, statementFileFor(pkg.wheel.file)), envelopeLine(envelope));
    }
    await writeFile(join(staging, SBOM_STATEMENT_FILE), envelopeLine(signStatement(sbomStatement, key)));
    await writeFile(join(staging, PUBLIC_KEY_FILE), key.publicPem);
    await writeFileAtomic(join(wheelhouseDir, SBOM_FILE), renderSbom(bom));
    setAside = await rename(target, previous).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    await rename(staging, target);
    setAside = false;
  } catch (err) {
    if (setAside) await rename(previous, target);
    throw err;
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(previous, { recursive: true, force: true });
  }
  return {
    statements: manifest.packages.length + 1,
    keyid: key.keyid,
    keyPath: key.path,
    generatedKey: key.generated,
    sbomPath: join(wheelhouseDir, SBOM_FILE),
    publicKeyPath: join(target, PUBLIC_KEY_FILE),
  };
}

async function checkWheels(dir: string, manifest: Manifest): Promise<void> {
  const { wheels, defects } = await listWheelFiles(dir);
  const [defect] = defects;
  if (defect !== undefined) throw refuse(dir, `${defect.file} ${defect.message}`);
  const listed = new Set(manifest.packages.map((p) => p.wheel.file));
  if (listed.size !== manifest.packages.length) throw refuse(dir, 'manifest.json lists a wheel twice');
  for (const file of wheels) if (!listed.has(file)) throw refuse(dir, `${file} is not in manifest.json`);
  for (const pkg of manifest.packages) {
    if (!wheels.includes(pkg.wheel.file)) throw refuse(dir, `${pkg.wheel.file} is in manifest.json but not in the wheelhouse`);
    const actual = await sha256File(join(dir, pkg.wheel.file));
    if (actual !== pkg.wheel.sha256) {
      throw refuse(dir, `${pkg.wheel.file} has sha256 ${actual}, but manifest.json records ${pkg.wheel.sha256}`);
    }
  }
}

function refuse(dir: string, problem: string): HbuildError {
  return new HbuildError('ERR_ATTESTATION_INVALID', `not attesting ${dir}: ${problem}`, {
    hint: 'the wheelhouse does not match its manifest; rebuild it with `hbuild build` instead of signing it',
    details: { dir },
  });
}
