import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/engine/container-limits.js';
import { BUILD_PROTOCOL } from '../../src/builder/container-command.js';
import { loadSigningKey } from '../../src/attest/keys.js';
import { readManifest } from '../../src/attest/read-manifest.js';
import { buildProvenance } from '../../src/attest/provenance.js';
import { ProvenanceStatement } from '../../src/attest/schema.js';
import { attestWheelhouse } from '../../src/attest/write.js';
import { HbuildError } from '../../src/core/errors.js';
import { canonicalJson } from '../../src/core/digest.js';
import { makeWheelhouse, patchManifest } from '../fixtures/wheelhouse.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('attest-prov');

async function snapshot(root: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await readdir(join(root, 'attestations'))) files.set(name, await readFile(join(root, 'attestations', name), 'utf8'));
  files.set('sbom.cdx.json', await readFile(join(root, 'sbom.cdx.json'), 'utf8'));
  return files;
}

describe('SLSA provenance', () => {
  it('records subject, parameters, every resolved dependency by digest, builder and byproducts', async () => {
    const { out, records } = await makeWheelhouse(tmp.path);
    await patchManifest(out, (p) => {
      if (p.name === 'demo-lib') p.vet = { ruleSetVersion: '7', verdict: 'pass', findingsDigest: '5'.repeat(64) };
    });
    const manifest = await readManifest(out);
    const lib = manifest.packages.find((p) => p.name === 'demo-lib')!;
    const flit = records[0]!;

    const statement = buildProvenance(lib, manifest, DEFAULT_LIMITS);

    expect(ProvenanceStatement.parse(statement)).toEqual(statement);
    expect(statement.subject).toEqual([{ name: 'demo_lib-2.1-py3-none-any.whl', digest: { sha256: lib.wheel.sha256 } }]);
    expect(statement.predicate.buildDefinition.externalParameters).toEqual({
      package: 'demo-lib',
      version: '2.1',
      sdist: { file: 'demo-lib-2.1.tar.gz', sha256: lib.sdist.sha256 },
      target: { python: 'py3', abi: 'none', platform: 'any' },
    });
    expect(statement.predicate.buildDefinition.internalParameters).toMatchObject({ network: 'none', sourceDateEpoch: 315_532_800, buildProtocol: BUILD_PROTOCOL });
    expect(statement.predicate.buildDefinition.resolvedDependencies).toEqual([
      { uri: 'pkg:pypi/demo-lib@2.1', name: 'demo-lib-2.1.tar.gz', digest: { sha256: lib.sdist.sha256 } },
      { uri: 'urn:hbuild:builder-rootfs', name: 'default', digest: { sha256: 'b'.repeat(64) } },
      { uri: 'urn:hbuild:builder-image', name: 'default', digest: { sha256: 'c'.repeat(64) } },
      { uri: 'urn:hbuild:recipe:demo-lib', digest: { sha256: 'e'.repeat(64) } },
      { uri: 'urn:hbuild:build-env', name: 'build-env.tar', digest: { sha256: lib.buildEnv?.sha256 }, annotations: { size: 10240 } },
      { uri: 'pkg:pypi/flit-core@3.9.0', name: flit.wheel.file, digest: { sha256: flit.wheel.sha256 } },
    ]);
    expect(statement.predicate.runDetails).toEqual({
      builder: { id: 'urn:hbuild:builder:0.1.0', version: { hbuild: '0.1.0' } },
      metadata: { invocationId: lib.inputDigest, startedOn: '1980-01-01T00:00:00Z', finishedOn: '1980-01-01T00:00:00Z' },
      byproducts: [
        { uri: 'urn:hbuild:build-log', name: 'build.log', digest: { sha256: lib.log.sha256 }, annotations: { droppedBytes: 0 } },
        { uri: 'urn:hbuild:source-tree', name: 'source-tree', digest: { sha256: `${'d'.repeat(63)}2` } },
        { uri: 'urn:hbuild:vet', name: 'vet', digest: { sha256: '5'.repeat(64) }, annotations: { recorded: true, ruleSetVersion: '7', verdict: 'pass' } },
      ],
    });
  });

  it('says so when no vet result was recorded', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    const manifest = await readManifest(out);

    const statement = buildProvenance(manifest.packages[0]!, manifest, DEFAULT_LIMITS);

    expect(statement.predicate.runDetails.byproducts[2]).toEqual({ uri: 'urn:hbuild:vet', name: 'vet', annotations: { recorded: false } });
  });

  it('does not depend on cache hits, timings, the sdist origin or the verdict', async () => {
    const { out: fresh } = await makeWheelhouse(join(tmp.path, 'a'), undefined, { cached: false, timings: { build: 9 }, verdict: 'recorded' });
    const { out: cached } = await makeWheelhouse(join(tmp.path, 'b'), undefined, { cached: true, timings: { build: 0.1 }, verdict: 'pinned-match' });
    await patchManifest(cached, (p) => {
      (p.sdist as { origin: string }).origin = 'store';
    });
    const [a, b] = [await readManifest(fresh), await readManifest(cached)];

    const statements = [a, b].map((m) => m.packages.map((p) => canonicalJson(buildProvenance(p, m, DEFAULT_LIMITS))));

    expect(statements[0]).toEqual(statements[1]);
  });

  it('attests the same wheelhouse twice to identical bytes', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    const key = await loadSigningKey({ env: { XDG_CONFIG_HOME: join(tmp.path, 'config') } });
    await attestWheelhouse(out, { key });
    const first = await snapshot(out);

    await attestWheelhouse(out, { key });
    const second = await snapshot(out);

    expect([...first.keys()].sort()).toEqual([
      'Demo_App-1.0.0-py3-none-any.whl.intoto.jsonl',
      'demo_lib-2.1-py3-none-any.whl.intoto.jsonl',
      'flit_core-3.9.0-py3-none-any.whl.intoto.jsonl',
      'sbom.cdx.json',
      'sbom.intoto.jsonl',
      'signing-key.pub.pem',
    ]);
    expect(second).toEqual(first);
  });

  it('attests two identical builds in different places to identical bytes', async () => {
    const key = await loadSigningKey({ env: { XDG_CONFIG_HOME: join(tmp.path, 'config') } });
    const { out: a } = await makeWheelhouse(join(tmp.path, 'a'));
    const { out: b } = await makeWheelhouse(join(tmp.path, 'b'), undefined, { cached: true, timings: {} });

    await attestWheelhouse(a, { key });
    await attestWheelhouse(b, { key });

    expect(await snapshot(b)).toEqual(await snapshot(a));
  });

  it('refuses to sign a wheel that does not match the manifest', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    await patchManifest(out, (p) => {
      if (p.name === 'flit_core') (p.wheel as { sha256: string }).sha256 = '0'.repeat(64);
    });

    const err = await attestWheelhouse(out, { keyPath: join(tmp.path, 'never-read.pem') }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(HbuildError);
    expect((err as HbuildError).code).toBe('ERR_ATTESTATION_INVALID');
    expect((err as HbuildError).message).toMatch(/flit_core-3\.9\.0-py3-none-any\.whl has sha256 [0-9a-f]{64}, but manifest\.json records 0{64}$/);
    await expect(readdir(join(out, 'attestations'))).rejects.toThrow();
  });

  it('refuses a manifest that does not validate, naming the field', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    await patchManifest(out, (p) => {
      (p.wheel as { file: string }).file = '../../etc/passwd.whl';
    });

    const err = (await readManifest(out).catch((e: unknown) => e)) as HbuildError;

    expect(err.code).toBe('ERR_ATTESTATION_INVALID');
    expect(err.message).toContain('manifest.json packages.0.wheel.file: expected a wheel file name');
  });
});
