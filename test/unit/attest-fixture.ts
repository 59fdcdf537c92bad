import { createHash, generateKeyPairSync } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SigningKey } from '../../src/attest/keys.js';
import type { PackageRecord } from '../../src/wheelhouse/package-record.js';
import type { Store } from '../../src/store/store.js';
import type { ManifestContext } from '../../src/wheelhouse/manifest.js';
import { publishWheelhouse } from '../../src/wheelhouse/publish.js';
import { writeWheel } from '../fixtures/wheel.js';

/** Shared by the attest tests: a real published wheelhouse, made in code. */
export const CONTEXT: ManifestContext = {
  hbuildVersion: '0.1.0',
  lock: { path: 'examples/lock.yaml', sha256: 'a'.repeat(64) },
  builder: { image: 'default', rootfs: `sha256:${'b'.repeat(64)}`, imageId: `sha256:${'c'.repeat(64)}` },
  sourceDateEpoch: 315_532_800,
};

interface Spec {
  name: string;
  version: string;
  requires?: string[];
  recipe?: boolean;
}

export const PACKAGES: Spec[] = [
  { name: 'flit_core', version: '3.9.0' },
  { name: 'Demo.App', version: '1.0.0', requires: ['flit_core', 'demo-lib'] },
  { name: 'demo-lib', version: '2.1', requires: ['flit_core'], recipe: true },
];

/**
 * Publish a wheelhouse of real wheels into `dir/wheelhouse` through the real
 * publish stage, with a store that is just a folder of wheels by digest.
 */
export async function makeWheelhouse(dir: string, specs: Spec[] = PACKAGES, overrides: Partial<PackageRecord> = {}): Promise<{ out: string; records: PackageRecord[] }> {
  const blobs = join(dir, 'blobs');
  await mkdir(blobs, { recursive: true });
  const wheels = new Map<string, { file: string; sha256: string; size: number }>();
  for (const spec of specs) {
    const made = await writeWheel(dir, { name: spec.name, version: spec.version });
    await copyFile(made.path, join(blobs, made.sha256));
    const file = made.path.slice(dir.length + 1);
    wheels.set(spec.name, { file, sha256: made.sha256, size: (await readFile(made.path)).length });
  }
  const records = specs.map((spec, i): PackageRecord => {
    const wheel = wheels.get(spec.name) as { file: string; sha256: string; size: number };
    return {
      name: spec.name,
      version: spec.version,
      sdist: { file: `${spec.name}-${spec.version}.tar.gz`, sha256: String(i + 1).repeat(64).slice(0, 64), origin: 'index' },
      treeDigest: `sha256:${'d'.repeat(63)}${i}`,
      recipeDigest: spec.recipe === true ? `sha256:${'e'.repeat(64)}` : null,
      builderRootfs: CONTEXT.builder.rootfs,
      builderImageId: CONTEXT.builder.imageId,
      requirementWheels: (spec.requires ?? []).map((name) => {
        const dep = wheels.get(name) as { file: string; sha256: string };
        return { name, file: dep.file, sha256: dep.sha256 };
      }),
      inputDigest: `${'f'.repeat(63)}${i}`,
      log: { sha256: `${'9'.repeat(63)}${i}`, droppedBytes: 0 },
      wheel,
      verdict: 'pinned-match',
      cached: false,
      timings: { build: 1.5 + i },
      ...overrides,
    };
  });
  const store = { root: blobs, blobPath: (_kind: string, sha: string) => join(blobs, sha) } as unknown as Store;
  const out = join(dir, 'wheelhouse');
  await publishWheelhouse(out, records, store, CONTEXT);
  return { out, records };
}

/** Add fields to packages of an existing manifest.json (the vet result another stage will write). */
export async function patchManifest(out: string, patch: (pkg: Record<string, unknown>) => void): Promise<void> {
  const path = join(out, 'manifest.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as { packages: Array<Record<string, unknown>> };
  for (const pkg of manifest.packages) patch(pkg);
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A second ed25519 key, as an attacker (or a different builder) would hold. */
export function otherKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKey, keyid: sha256(publicKey.export({ type: 'spki', format: 'der' })), publicPem, path: 'memory', generated: true };
}

/** Decode the envelope in `rel`, let `edit` change its statement, and write it back without re-signing. */
export async function editStatement(out: string, rel: string, edit: (statement: Record<string, any>) => void): Promise<void> {
  const path = join(out, rel);
  const envelope = JSON.parse(await readFile(path, 'utf8'));
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  edit(statement);
  envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  await writeFile(path, `${JSON.stringify(envelope)}\n`);
}
