import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { HbuildError } from '../core/errors.js';
import { normalizeName } from '../core/pep503.js';
import { canonicalJson } from '../core/digest.js';
import { pypiPurl, rfc3339 } from './vocabulary.js';
import type { Manifest, ManifestPackage } from './schema.js';

type Property = { name: string; value: string };
type Json = Record<string, unknown>;

/** Fixed namespace for the SBOM serial number (a UUID v5 of the BOM's own content). */
const SERIAL_NAMESPACE = '3b1f6d0e-8a4c-4f57-9a8e-6c2d1b7e5f90';
const LOCK_REF = 'lock';

/**
 * The CycloneDX 1.6 SBOM of a wheelhouse: one `library` component per wheel,
 * the build-requirement graph as `dependencies`, the lock as the subject.
 *
 * What requirements.txt installs is `scope: required` with `hbuild:runtime=true`;
 * a wheel only builds need (it is in build-requirements.txt) is `scope: excluded`
 * with `hbuild:runtime=false`, the spec's scope for components not reachable at
 * run time. Build requirements also carry `hbuild:build-time=true`: a package can
 * be both, and then it is required. `attest verify` checks the two requirements
 * files against these signed flags. Everything is sorted, the timestamp is
 * SOURCE_DATE_EPOCH and the serial number is derived from the content, so equal
 * wheelhouses give equal bytes.
 */
export function buildSbom(manifest: Manifest): Json {
  // A name may come in several versions (build backends), and a wheelhouse of several targets holds
  // several wheels of one package: there each wheel is a component, named by its file.
  const idOf = (p: { name: string; version: string }): string => `${normalizeName(p.name)}==${p.version}`;
  const ref = manifest.targets === undefined ? nameRef : fileRef;
  if (manifest.targets === undefined && new Set(manifest.packages.map(idOf)).size !== manifest.packages.length) throw manifestError('lists a package twice');
  const byWheel = new Map(manifest.packages.map((p) => [p.wheel.sha256, p]));
  const buildTime = new Set<string>();
  const dependencies: Json[] = [];
  for (const pkg of manifest.packages) {
    const needs = new Set<string>();

    for (const req of pkg.requirementWheels) {
      const dep = byWheel.get(req.sha256);
      if (dep === undefined || normalizeName(dep.name) !== normalizeName(req.name)) {
        throw manifestError(`says ${pkg.name} was built with ${req.file} (sha256 ${req.sha256}), which is not a wheel of this wheelhouse`);
      }
      buildTime.add(dep.wheel.sha256);
      needs.add(ref(dep));
    }
    dependencies.push({ ref: ref(pkg), dependsOn: [...needs].sort() });
  }
  const components = manifest.packages.map((p) => component(p, buildTime.has(p.wheel.sha256), ref));
  // System libraries: one component per Debian package (and version) a wheel's compiled code needs.
  const debs = new Map<string, Json>();
  for (const pkg of manifest.packages) {
    const libraries = pkg.systemLibraries ?? [];
    if (libraries.length === 0) continue;
    const entry = dependencies.find((d) => d.ref === ref(pkg))!;
    const needs = new Set(entry.dependsOn as string[]);
    for (const library of libraries) {
      if (library.package === null || library.version === null) continue;
      const deb = debComponent(library.package, library.version);
      const existing = debs.get(deb['bom-ref'] as string);
      const sonames = new Set([...((existing?.properties as Property[] | undefined) ?? []).map((p) => p.value), library.soname]);
      debs.set(deb['bom-ref'] as string, { ...deb, properties: sortProperties([...sonames].map((value) => ({ name: 'hbuild:soname', value }))).slice(0, 64) });
      needs.add(deb['bom-ref'] as string);
    }
    entry.dependsOn = [...needs].sort();
  }
  for (const deb of debs.values()) dependencies.push({ ref: deb['bom-ref'], dependsOn: [] });
  dependencies.push({ ref: LOCK_REF, dependsOn: components.map((c) => c['bom-ref'] as string).sort() });
  const bom: Json = {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    metadata: {
      timestamp: rfc3339(manifest.sourceDateEpoch),
      tools: { components: [{ type: 'application', name: 'hbuild', version: manifest.hbuildVersion }] },
      component: {
        'bom-ref': LOCK_REF,
        type: 'file',
        name: basename(manifest.lock.path),
        description: 'hbuild lock file; every component was built from the source distribution it pins',
        hashes: [{ alg: 'SHA-256', content: manifest.lock.sha256 }],
      },
      properties: sortProperties([
        { name: 'hbuild:builder:image', value: manifest.builder.image },
        { name: 'hbuild:builder:rootfs', value: manifest.builder.rootfs },
        { name: 'hbuild:source-date-epoch', value: String(manifest.sourceDateEpoch) },
        ...(manifest.targets ?? []).map((t) => ({ name: 'hbuild:target', value: `${t.name} ${t.image} ${t.rootfs} CPython ${t.python}` })),
      ]),
    },
    components: [...components, ...debs.values()].sort((a, b) => compare(a['bom-ref'] as string, b['bom-ref'] as string)),
    dependencies: dependencies.sort((a, b) => compare(a.ref as string, b.ref as string)),
  };
  return { ...bom, serialNumber: `urn:uuid:${uuidV5(SERIAL_NAMESPACE, canonicalJson(bom))}` };
}

/** sbom.cdx.json: sorted keys, two-space indent, final newline. */
export function renderSbom(bom: unknown): string {
  return `${JSON.stringify(JSON.parse(canonicalJson(bom)), null, 2)}\n`;
}

function component(pkg: ManifestPackage, buildTime: boolean, ref: (pkg: ManifestPackage) => string): Json {
  const properties: Property[] = [
    { name: 'hbuild:build-time', value: String(buildTime) },
    { name: 'hbuild:input-digest', value: pkg.inputDigest },
    { name: RUNTIME_PROPERTY, value: String(isRuntime(pkg)) },
    { name: 'hbuild:sdist:file', value: pkg.sdist.file },
    { name: 'hbuild:wheel:file', value: pkg.wheel.file },
  ];
  if (pkg.vet !== undefined) properties.push({ name: 'hbuild:vet:verdict', value: pkg.vet.verdict });
  for (const target of pkg.targets ?? []) properties.push({ name: 'hbuild:target', value: target });
  if (pkg.builderImage && pkg.builderImage.debianPackages.length > 0) {
    properties.push({ name: 'hbuild:builder:image', value: pkg.builderImage.name }, { name: 'hbuild:builder:rootfs', value: pkg.builderRootfs });
  }
  for (const library of (pkg.systemLibraries ?? []).slice(0, 40)) {
    const from = library.package === null ? 'no Debian package of the builder image' : `${library.package} ${library.version ?? ''}`.trim();
    properties.push({ name: 'hbuild:system-library', value: `${library.soname} (${from})` });
  }
  for (const library of (pkg.vendoredLibraries ?? []).slice(0, 40)) {
    const from = library.package === null ? 'no Debian package of the builder image' : `${library.package} ${library.version ?? ''}`.trim();
    properties.push({ name: 'hbuild:vendored-library', value: `${library.file} (copy of ${library.copyOf} from ${from})` });
  }
  return {
    'bom-ref': ref(pkg),
    type: 'library',
    name: pkg.name,
    version: pkg.version,
    purl: pypiPurl(pkg.name, pkg.version),
    scope: isRuntime(pkg) ? 'required' : 'excluded',
    hashes: [{ alg: 'SHA-256', content: pkg.wheel.sha256 }],
    externalReferences: [
      {
        type: 'source-distribution',
        url: pypiPurl(pkg.name, pkg.version, { file_name: pkg.sdist.file }),
        comment: 'the sdist this wheel was built from, pinned by sha256',
        hashes: [{ alg: 'SHA-256', content: pkg.sdist.sha256 }],
      },
    ],
    properties: sortProperties(properties),
  };
}

/** The SBOM property that says whether requirements.txt installs a component. */
export const RUNTIME_PROPERTY = 'hbuild:runtime';

/** A manifest from before build-requirements.txt installed every wheel with requirements.txt. */
function isRuntime(pkg: ManifestPackage): boolean {
  return pkg.runtime ?? true;
}

/** A Debian package of the builder image, by its package URL (purl type `deb`). */
function debComponent(name: string, version: string): Json {
  const purl = `pkg:deb/debian/${encodeURIComponent(name)}@${encodeURIComponent(version)}?arch=amd64`;
  return {
    'bom-ref': purl,
    type: 'library',
    name,
    version,
    purl,
    description: 'Debian package that provided a shared library a wheel needs, in the builder image; install it where the wheel runs',
    hashes: [],
  };
}

function nameRef(pkg: ManifestPackage): string {
  return pypiPurl(pkg.name, pkg.version);
}

/** A wheel of a wheelhouse of several targets: the package URL with its file name. */
function fileRef(pkg: ManifestPackage): string {
  return pypiPurl(pkg.name, pkg.version, { file_name: pkg.wheel.file });
}

function sortProperties(properties: Property[]): Property[] {
  return [...properties].sort((a, b) => compare(a.name, b.name) || compare(a.value, b.value));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** RFC 4122 name-based UUID, version 5 (SHA-1). */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function manifestError(problem: string): HbuildError {
  return new HbuildError('ERR_ATTESTATION_INVALID', `manifest.json ${problem}`, {
    hint: 'the wheelhouse is inconsistent; rebuild it with `hbuild build`',
  });
}
