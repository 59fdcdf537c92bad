import { compare } from '@renovatebot/pep440';
import { HbuildError, isHbuildError } from '../core/errors.js';
import type { Requirement } from '../core/requirement.js';
import { DEFAULT_PLATFORM, type TargetPlatform } from '../core/marker-environment.js';
import { versionSatisfies } from './candidates.js';
import { markerHolds, parseBuildRequirement } from './closure-rules.js';
import { pinNewest, type PinContext } from './pin-sdist.js';
import type { PinnedSdist } from './types.js';

/** Build requirements that compile Rust: the builder image has no Rust toolchain unless a recipe adds Debian's. */
export const RUST_BACKENDS = new Set(['setuptools-rust', 'maturin']);

export interface StaticCheckOptions {
  pin: PinContext;
  /** Versions the current lock holds, by name: pinned first, as the closure does. */
  previous: ReadonlyMap<string, readonly string[]>;
  /** Whether the recipe of this package gives its builds a Rust toolchain (Debian's cargo and rustc). */
  rustToolchain?: (key: string) => Promise<boolean>;
  progress?: (message: string) => void;
  /** The target's platform, for markers (Requires-Python is checked through `pin`); default: the default builder image's. */
  platform?: TargetPlatform;
}

/**
 * What `hbuild lock` can tell without running any sdist code, before the first probe build:
 * over the static `[build-system] requires` of the input's sdists, and transitively of the
 * sdist each of them pins (the newest admissible, or a version pinned already or held by the
 * current lock), every requirement no admissible sdist satisfies (ranges that contradict each
 * other or the input's pin, missing or wheel-only releases, Requires-Python against the
 * builder's Python, names no index serves) and every sdist that needs a Rust toolchain. Returns
 * the problems, each naming the package that asked; the caller throws them together.
 */
export async function checkStaticRequires(roots: ReadonlyMap<string, PinnedSdist>, options: StaticCheckOptions): Promise<HbuildError[]> {
  const problems: HbuildError[] = [];
  const pinned = new Map<string, PinnedSdist[]>();
  for (const root of roots.values()) pinned.set(root.name, [root]);
  const queue = [...roots.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  const visited = new Set<string>();
  while (queue.length > 0) {
    const sdist = queue.shift()!;
    const owner = `${sdist.name} ${sdist.version}`;
    if (visited.has(owner)) continue;
    visited.add(owner);
    const asked = `asked for by ${owner}'s build-system.requires`;
    let requires: Requirement[];
    try {
      requires = staticRequirements(sdist, options.platform);
    } catch (err) {
      if (!isHbuildError(err)) throw err;
      problems.push(err);
      continue;
    }
    const rust = await rustProblem(sdist, requires, options);
    if (rust) problems.push(rust);
    for (const [key, specifiers] of groupByName(requires)) {
      const root = roots.get(key);
      if (root) {
        const unmet = specifiers.filter((s) => !versionSatisfies(root.version, s));
        if (unmet.length > 0) {
          problems.push(new HbuildError('ERR_USAGE', `${owner} needs ${key}${unmet.join(',')} to build (build-system.requires), but the input pins ${key}==${root.version}`, {
            hint: `change the pin of ${key} in the input to a version that satisfies ${unmet.join(',')}`,
          }));
        }
        continue;
      }
      const known = pinned.get(key) ?? [];
      if (known.some((p) => specifiers.every((s) => versionSatisfies(p.version, s)))) continue;
      try {
        const newestFirst = (versions: readonly string[]): string[] => [...versions].sort((a, b) => compare(b, a));
        const prefer = [...newestFirst(known.map((p) => p.version)), ...newestFirst(options.previous.get(key) ?? [])];
        const found = await pinNewest(options.pin, key, specifiers, prefer);
        options.progress?.(`${owner} needs ${key}${specifiers.join(',')}: ${found.version} (read statically)`);
        pinned.set(key, [...known, found]);
        queue.push(found);
      } catch (err) {
        if (!isHbuildError(err) || err.code === 'ERR_CANCELLED') throw err;
        const contradict = specifiers.length > 1 && (err.details['refusals'] as unknown[] | undefined)?.length === 0;
        err.message += contradict ? ` (the ranges ${specifiers.join(' and ')} in ${owner}'s build-system.requires admit no common version)` : ` (${asked})`;
        problems.push(err);
      }
    }
  }
  return problems;
}

/** The static requirements pip would install for this sdist: markers evaluated for the builder, a self-hosted backend left out. */
function staticRequirements(sdist: PinnedSdist, platform?: TargetPlatform): Requirement[] {
  const owner = `${sdist.name} ${sdist.version}`;
  const selfHosted = sdist.buildSystem.backendPath.length > 0;
  return sdist.buildSystem.requires
    .map((text) => parseBuildRequirement(text, owner, 'pyproject.toml'))
    .filter((req) => (req.marker === undefined || markerHolds(req, owner, new Set(), platform)) && !(selfHosted && req.key === sdist.name));
}

function groupByName(requires: readonly Requirement[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const req of requires) {
    const specifiers = byName.get(req.key) ?? [];
    if (req.specifier !== '' && !specifiers.includes(req.specifier)) specifiers.push(req.specifier);
    byName.set(req.key, specifiers);
  }
  return byName;
}

async function rustProblem(sdist: PinnedSdist, requires: readonly Requirement[], options: StaticCheckOptions): Promise<HbuildError | undefined> {
  const rust = requires.filter((r) => RUST_BACKENDS.has(r.key)).map((r) => r.key);
  const backend = sdist.buildSystem.backend.split(':')[0]!.split('.')[0]!;
  if (RUST_BACKENDS.has(backend) && !rust.includes(backend)) rust.push(backend);
  if (rust.length === 0) return undefined;
  if (options.rustToolchain && (await options.rustToolchain(sdist.name))) return undefined;
  return needsRust(sdist, rust, 'its build-system names', options.platform);
}

/** The refusal of an sdist whose build needs a Rust toolchain, which the builder does not have. */
export function needsRust(sdist: PinnedSdist, rust: readonly string[], how: string, platform: TargetPlatform = DEFAULT_PLATFORM): HbuildError {
  const cargo = sdist.cargoToml ? ', and it has a Cargo.toml at its root' : '';
  return new HbuildError('ERR_USAGE', `${sdist.name} ${sdist.version} needs a Rust toolchain to build (${how} ${rust.join(' and ')}${cargo}); the builder image (CPython ${platform.python}) has no Rust compiler, and a build has no network to fetch crates`, {
    hint: `pin a version of ${sdist.name} that builds without Rust, or give it a recipe whose debian-packages add cargo and rustc (with its crates vendored in the sdist)`,
    details: { package: sdist.name, version: sdist.version, rust },
  });
}
