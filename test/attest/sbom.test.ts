import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSigningKey } from '../../src/attest/keys.js';
import { readManifest } from '../../src/attest/read-manifest.js';
import { buildSbom, renderSbom, uuidV5 } from '../../src/attest/sbom.js';
import { attestWheelhouse } from '../../src/attest/write.js';
import { verifyAttestations } from '../../src/attest/verify.js';
import { HbuildError } from '../../src/core/errors.js';
import { makeWheelhouse, patchManifest } from '../fixtures/wheelhouse.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('attest-sbom');

type Component = { name: string; purl: string; properties: Array<{ name: string; value: string }> };

function property(component: Component, name: string): string | undefined {
  return component.properties.find((p) => p.name === name)?.value;
}

describe('the CycloneDX SBOM', () => {
  it('is valid CycloneDX 1.6 by the official JSON schema', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    await patchManifest(out, (p) => {
      p.vet = { ruleSetVersion: 3, verdict: 'pass', findingsDigest: `sha256:${'4'.repeat(64)}` };
    });
    await attestWheelhouse(out, { key: await loadSigningKey({ env: { XDG_CONFIG_HOME: join(tmp.path, 'config') } }) });
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

    const errors = await validator.validate(await readFile(join(out, 'sbom.cdx.json'), 'utf8'));

    expect(errors).toBeNull();
  });

  it('adds the Debian packages that provided the system libraries a wheel needs, valid CycloneDX, and attest verify accepts them', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    await patchManifest(out, (p) => {
      if (p.name !== 'demo-lib') return;
      p.builderImage = { name: 'default-deb-0123456789ab', debianPackages: ['libxml2-dev'], libraryMap: `sha256:${'7'.repeat(64)}` };
      p.systemLibraries = [
        { soname: 'libxml2.so.2', package: 'libxml2', version: '2.9.14+dfsg-1.3~deb12u1', neededBy: ['demo_lib/x.so'] },
        { soname: 'libmystery.so.1', package: null, version: null, neededBy: ['demo_lib/x.so'] },
      ];
    });
    await attestWheelhouse(out, { key: await loadSigningKey({ env: { XDG_CONFIG_HOME: join(tmp.path, 'config') } }) });
    const text = await readFile(join(out, 'sbom.cdx.json'), 'utf8');
    const bom = JSON.parse(text) as { components: Component[]; dependencies: Array<{ ref: string; dependsOn: string[] }> };
    const deb = 'pkg:deb/debian/libxml2@2.9.14%2Bdfsg-1.3~deb12u1?arch=amd64';

    const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text);
    const problems = await verifyAttestations(out);

    expect(errors).toBeNull();
    expect(problems.problems).toEqual([]);
    expect(bom.components.find((c) => c.purl === deb)).toMatchObject({ name: 'libxml2', version: '2.9.14+dfsg-1.3~deb12u1', properties: [{ name: 'hbuild:soname', value: 'libxml2.so.2' }] });
    expect(bom.dependencies.find((d) => d.ref === 'pkg:pypi/demo-lib@2.1')?.dependsOn).toEqual([deb, 'pkg:pypi/flit-core@3.9.0']);
    const lib = bom.components.find((c) => c.name === 'demo-lib')!;
    expect(lib.properties.filter((p) => p.name === 'hbuild:system-library').map((p) => p.value)).toEqual([
      'libmystery.so.1 (no Debian package of the builder image)',
      'libxml2.so.2 (libxml2 2.9.14+dfsg-1.3~deb12u1)',
    ]);
  });

  it('is checked by a validator that does reject a broken SBOM', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    const bom = buildSbom(await readManifest(out)) as { components: Array<Record<string, unknown>> };
    (bom.components[0] as Record<string, unknown>).scope = 'build';
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

    const errors = await validator.validate(JSON.stringify(bom));

    expect(errors).not.toBeNull();
  });

  it('names every wheel by purl with its SHA-256 and marks build requirements as build-time', async () => {
    const { out, records } = await makeWheelhouse(tmp.path);

    const bom = buildSbom(await readManifest(out)) as { components: Component[]; dependencies: Array<{ ref: string; dependsOn: string[] }> };

    expect(bom.components.map((c) => c.purl)).toEqual(['pkg:pypi/demo-app@1.0.0', 'pkg:pypi/demo-lib@2.1', 'pkg:pypi/flit-core@3.9.0']);
    expect(bom.components.map((c) => property(c, 'hbuild:build-time'))).toEqual(['false', 'true', 'true']);
    expect(bom.components.map((c) => (c as unknown as { scope?: string }).scope)).toEqual(['required', 'required', 'required']);
    expect(bom.components.map((c) => property(c, 'hbuild:runtime'))).toEqual(['true', 'true', 'true']);
    expect(bom.components[0]).toMatchObject({ type: 'library', name: 'Demo.App', version: '1.0.0', hashes: [{ alg: 'SHA-256', content: records[1]?.wheel.sha256 }] });
    expect(bom.dependencies).toContainEqual({ ref: 'pkg:pypi/demo-app@1.0.0', dependsOn: ['pkg:pypi/demo-lib@2.1', 'pkg:pypi/flit-core@3.9.0'] });
    expect(bom.dependencies).toContainEqual({ ref: 'pkg:pypi/flit-core@3.9.0', dependsOn: [] });
  });

  it('scopes what requirements.txt installs as required and build-only wheels as excluded', async () => {
    const { out } = await makeWheelhouse(tmp.path, undefined, {}, { requested: [{ key: 'demo-app', extras: [] }] });
    await attestWheelhouse(out, { key: await loadSigningKey({ env: { XDG_CONFIG_HOME: join(tmp.path, 'config') } }) });
    const validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

    const bom = buildSbom(await readManifest(out)) as { components: Component[] };
    const errors = await validator.validate(await readFile(join(out, 'sbom.cdx.json'), 'utf8'));

    expect(bom.components.map((c) => `${c.name} ${(c as unknown as { scope: string }).scope} ${property(c, 'hbuild:runtime')}`)).toEqual([
      'Demo.App required true',
      'demo-lib excluded false',
      'flit_core excluded false',
    ]);
    expect(errors).toBeNull();
  });

  it('records the sdist each wheel was built from, by sha256', async () => {
    const { out, records } = await makeWheelhouse(tmp.path);

    const bom = buildSbom(await readManifest(out)) as { components: Array<{ externalReferences: unknown[] }> };

    expect(bom.components[2]?.externalReferences).toEqual([
      expect.objectContaining({
        type: 'source-distribution',
        url: 'pkg:pypi/flit-core@3.9.0?file_name=flit_core-3.9.0.tar.gz',
        hashes: [{ alg: 'SHA-256', content: records[0]?.sdist.sha256 }],
      }),
    ]);
  });

  it('takes its time from SOURCE_DATE_EPOCH and its serial number from its content', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    const manifest = await readManifest(out);

    const first = buildSbom(manifest) as { serialNumber: string; metadata: { timestamp: string } };
    const again = buildSbom(await readManifest(out)) as { serialNumber: string };
    const other = buildSbom({ ...manifest, sourceDateEpoch: manifest.sourceDateEpoch + 1 }) as { serialNumber: string };

    expect(first.metadata.timestamp).toBe('1980-01-01T00:00:00Z');
    expect(first.serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(renderSbom(again)).toBe(renderSbom(first));
    expect(other.serialNumber).not.toBe(first.serialNumber);
  });

  it('computes RFC 4122 version 5 UUIDs', () => {
    const dnsNamespace = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

    const uuid = uuidV5(dnsNamespace, 'www.example.com');

    expect(uuid).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('refuses a manifest whose build requirement is not a wheel of the wheelhouse', async () => {
    const { out } = await makeWheelhouse(tmp.path);
    await patchManifest(out, (p) => {
      if (p.name === 'Demo.App') (p.requirementWheels as Array<{ sha256: string }>)[0]!.sha256 = '0'.repeat(64);
    });

    const err = await Promise.resolve()
      .then(async () => buildSbom(await readManifest(out)))
      .catch((e: unknown) => e);

    expect(err).toBeInstanceOf(HbuildError);
    expect((err as HbuildError).code).toBe('ERR_ATTESTATION_INVALID');
    expect((err as HbuildError).message).toContain('says Demo.App was built with flit_core-3.9.0-py3-none-any.whl');
  });
});
