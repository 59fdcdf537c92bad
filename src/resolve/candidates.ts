import { clean, compare, explain, satisfies } from '@renovatebot/pep440';
import type { IndexFile } from '../fetch/index-client.js';
import { normalizeName } from '../core/pep503.js';
import { DEFAULT_PLATFORM, type TargetPlatform } from '../core/marker-environment.js';

/** The files an index lists for one version of a project. */
export interface VersionFiles {
  /** PEP 440 normalised. */
  version: string;
  /** `.tar.gz` sdists (the only sdist form a lock pins). */
  sdists: IndexFile[];
  /** Other sdist forms (`.zip`, `.tar.bz2`), reported when nothing else exists. */
  otherSdists: IndexFile[];
  wheels: IndexFile[];
}

const SDIST_SUFFIXES = ['.tar.gz', '.zip', '.tar.bz2', '.tar.xz', '.tgz', '.tar'];

/** The version a `{name}-{version}` stem names for this project, tried at every "-". */
function stemVersion(stem: string, key: string): string | undefined {
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeName(stem.slice(0, i)) !== key) continue;
    const version = clean(stem.slice(i + 1));
    if (version) return version;
  }
  return undefined;
}

/** Group a project's files by normalised version; files of other projects or unknown forms are ignored. */
export function filesByVersion(key: string, files: readonly IndexFile[]): Map<string, VersionFiles> {
  const versions = new Map<string, VersionFiles>();
  const slot = (version: string): VersionFiles => {
    let entry = versions.get(version);
    if (!entry) versions.set(version, (entry = { version, sdists: [], otherSdists: [], wheels: [] }));
    return entry;
  };
  for (const file of files) {
    const name = file.filename;
    if (name.endsWith('.whl')) {
      const [dist = '', ver = ''] = name.slice(0, -4).split('-');
      const version = normalizeName(dist) === key ? clean(ver) : null;
      if (version) slot(version).wheels.push(file);
      continue;
    }
    const suffix = SDIST_SUFFIXES.find((s) => name.endsWith(s));
    if (!suffix) continue;
    const version = stemVersion(name.slice(0, -suffix.length), key);
    if (!version) continue;
    if (suffix === '.tar.gz') slot(version).sdists.push(file);
    else slot(version).otherSdists.push(file);
  }
  for (const entry of versions.values()) entry.sdists.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  return versions;
}

/** Quarantine policy: how old an upload must be, as of when. */
export interface AgePolicy {
  minAgeMs: number;
  now: Date;
}

export type Refusal =
  | { kind: 'yanked' }
  | { kind: 'young'; uploaded: string; ageDays: number }
  | { kind: 'no-upload-time' }
  | { kind: 'no-sha256' }
  | { kind: 'requires-python'; requiresPython: string; python: string; target?: string };

/** The target a lock is resolved for: its platform, and its name when the lock has several. */
export interface ResolveTarget {
  name?: string;
  platform: TargetPlatform;
}

/** Why an sdist file may not be pinned, or undefined when it may. `exempt` lifts only the age rules. */
export function refusalOf(file: IndexFile, policy: AgePolicy, exempt: boolean, target: ResolveTarget = { platform: DEFAULT_PLATFORM }): Refusal | undefined {
  if (file.yanked) return { kind: 'yanked' };
  if (!file.sha256) return { kind: 'no-sha256' };
  if (file.requiresPython && !satisfies(target.platform.python, file.requiresPython)) {
    return { kind: 'requires-python', requiresPython: file.requiresPython, python: target.platform.python, ...(target.name ? { target: target.name } : {}) };
  }
  if (exempt || policy.minAgeMs <= 0) return undefined;
  if (!file.uploadTime) return { kind: 'no-upload-time' };
  const ageMs = policy.now.getTime() - Date.parse(file.uploadTime);
  if (ageMs < policy.minAgeMs) return { kind: 'young', uploaded: file.uploadTime, ageDays: Math.max(0, Math.floor(ageMs / 86_400_000)) };
  return undefined;
}

export function describeRefusal(refusal: Refusal, policy: AgePolicy): string {
  switch (refusal.kind) {
    case 'yanked':
      return 'is yanked';
    case 'no-sha256':
      return 'has no sha256 on the index';
    case 'requires-python':
      return `requires Python ${refusal.requiresPython}, not ${refusal.target ? `target ${refusal.target}'s` : "the builder's"} ${refusal.python}`;
    case 'no-upload-time':
      return 'has no upload time on the index, so its age cannot be judged (quarantine fails closed)';
    case 'young':
      return `was uploaded ${refusal.uploaded}, ${refusal.ageDays} days ago, younger than the ${Math.round(policy.minAgeMs / 86_400_000)}-day quarantine`;
  }
}

/** Versions newest first; pre-releases only when no final release satisfies (PEP 440). */
export function orderCandidates(versions: Iterable<string>, specifier: string): string[] {
  const matching = [...versions].filter((v) => specifier === '' || satisfies(v, specifier, { prereleases: true }));
  const finals = matching.filter((v) => !explain(v)?.is_prerelease);
  return (finals.length > 0 ? finals : matching).sort((a, b) => compare(b, a));
}

/** Whether a chosen version satisfies a specifier; pre-releases count once chosen. */
export function versionSatisfies(version: string, specifier: string): boolean {
  return specifier === '' || satisfies(version, specifier, { prereleases: true });
}
