import { normalizeName } from '../core/pep503.js';

/** Type URIs of the formats hbuild writes; `urn:hbuild:` names are ours and resolve nowhere on purpose. */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const PROVENANCE_TYPE = 'https://slsa.dev/provenance/v1';
export const VSA_TYPE = 'https://slsa.dev/verification_summary/v1';
export const CYCLONEDX_TYPE = 'https://cyclonedx.org/bom';
export const PAYLOAD_TYPE = 'application/vnd.in-toto+json';

export const BUILD_TYPE = 'urn:hbuild:build-type:v1';
export const POLICY_URI = 'urn:hbuild:policy:reproducible-build:v1';
/** VSA extension field: the VSA spec allows extensions whose names are URIs. */
export const REPRODUCTION_FIELD = 'urn:hbuild:reproduction';

export const ATTESTATIONS_DIR = 'attestations';
export const SBOM_FILE = 'sbom.cdx.json';
export const SBOM_STATEMENT_FILE = 'sbom.intoto.jsonl';
export const PUBLIC_KEY_FILE = 'signing-key.pub.pem';
export const VSA_FILE = 'verification-summary.intoto.jsonl';
export const STATEMENT_SUFFIX = '.intoto.jsonl';

export function builderId(hbuildVersion: string): string {
  return `urn:hbuild:builder:${hbuildVersion}`;
}

export function verifierId(hbuildVersion: string): string {
  return `urn:hbuild:verifier:${hbuildVersion}`;
}

/** The provenance file of one wheel, relative to the attestations directory. */
export function statementFileFor(wheelFile: string): string {
  return `${wheelFile}${STATEMENT_SUFFIX}`;
}

/** `pkg:pypi/<name>@<version>` (name PEP 503-normalised, as the pypi purl type asks), with optional qualifiers in sorted order as the purl spec asks. */
export function pypiPurl(name: string, version: string, qualifiers: Record<string, string> = {}): string {
  const base = `pkg:pypi/${encodeURIComponent(normalizeName(name))}@${encodeURIComponent(version)}`;
  const query = Object.keys(qualifiers)
    .sort()
    .map((k) => `${k}=${encodeURIComponent(qualifiers[k] as string)}`)
    .join('&');
  return query === '' ? base : `${base}?${query}`;
}

const PREFIXED = /^sha256:([0-9a-f]{64})$/;
const BARE = /^[0-9a-f]{64}$/;

/** `{ sha256: hex }` from either `sha256:<hex>` or bare hex; anything else is a programmer error upstream. */
export function digestSet(digest: string): { sha256: string } {
  const hex = PREFIXED.exec(digest)?.[1] ?? (BARE.test(digest) ? digest : undefined);
  if (hex === undefined) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return { sha256: hex };
}

/** RFC 3339 in UTC with whole seconds, from a Unix time. */
export function rfc3339(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}
