import { satisfies } from '@renovatebot/pep440';
import { HbuildError } from '../core/errors.js';
import { evaluateMarker, MarkerError } from '../core/markers.js';
import type { TargetPlatform } from '../core/marker-environment.js';
import { normalizeName } from '../core/pep503.js';
import { parseRequirement, RequirementError, type Requirement } from '../core/requirement.js';

/** A package the run built, with the `Requires-Dist` of its wheel's METADATA. */
export interface BuiltPackage {
  name: string;
  version: string;
  wheelFile: string;
  requiresDist: readonly string[];
}

/** A package asked for, by PEP 503 key, with the extras asked for. */
export interface Requested {
  key: string;
  extras: readonly string[];
}

export interface RuntimeClosure {
  /** PEP 503 keys of what requirements.txt installs: the requested packages and their runtime dependencies. */
  runtime: Set<string>;
  /** Runtime dependencies the lock has but this run did not build (`--only`): left out of requirements.txt. */
  notBuilt: Array<{ key: string; requiredBy: string }>;
}

/**
 * The runtime closure of `requested` over the built wheels' `Requires-Dist`, markers
 * evaluated for the target's platform (default: the default builder's) with the extras asked of each package (as pip would). A
 * package reached again with more extras is followed again for them; cycles end
 * there. A dependency the lock does not have, or whose locked version its requirer
 * excludes, is an error naming both: pip would refuse to install such a wheelhouse.
 */
export function runtimeClosure(requested: readonly Requested[], built: ReadonlyMap<string, BuiltPackage>, lockKeys: ReadonlySet<string>, platform?: TargetPlatform): RuntimeClosure {
  const extrasOf = new Map<string, Set<string>>();
  const notBuilt = new Map<string, string>();
  const queue: Array<{ key: string; extras: readonly string[]; by: string | undefined }> = requested.map((r) => ({ ...r, by: undefined }));
  while (queue.length > 0) {
    const { key, extras, by } = queue.shift()!;
    const pkg = built.get(key);
    if (pkg === undefined) {
      // An input this run did not build (`--only` left it out) is not asked for here.
      if (by === undefined) continue;
      if (lockKeys.has(key)) {
        if (!notBuilt.has(key)) notBuilt.set(key, by);
        continue;
      }
      throw new HbuildError('ERR_LOCK_INVALID', `${by} requires ${key} at run time, and the lock has no ${key}`, {
        hint: `add ${key} to the lock's input and run \`hbuild lock\` again (or \`hbuild lock --add ${key}==VERSION\`); nothing was published`,
        details: { package: key, requiredBy: by },
      });
    }
    const seen = extrasOf.get(key);
    if (seen !== undefined && extras.every((e) => seen.has(e))) continue;
    const active = new Set([...(seen ?? []), ...extras]);
    extrasOf.set(key, active);
    const owner = `${pkg.name} ${pkg.version}`;
    for (const text of pkg.requiresDist) {
      const req = requirementOf(text, owner, pkg.wheelFile);
      if (req.marker !== undefined && !markerHolds(req, owner, pkg.wheelFile, active, platform)) continue;
      const dep = built.get(req.key);
      if (dep !== undefined && req.specifier !== '' && !satisfies(dep.version, req.specifier, { prereleases: true })) {
        throw new HbuildError('ERR_LOCK_INVALID', `${owner} requires ${req.key}${req.specifier}, and the lock pins ${req.key} ${dep.version}`, {
          hint: `pin a version of ${req.key} that satisfies ${req.specifier} in the lock's input and run \`hbuild lock\` again; nothing was published`,
          details: { package: req.key, requiredBy: owner, specifier: req.specifier, locked: dep.version },
        });
      }
      queue.push({ key: req.key, extras: req.extras, by: owner });
    }
  }
  return { runtime: new Set(extrasOf.keys()), notBuilt: [...notBuilt].map(([key, requiredBy]) => ({ key, requiredBy })) };
}

/** Every package of the run counts as requested: what a lock without `inputs` means. */
export function everyPackage(built: ReadonlyMap<string, BuiltPackage>): Requested[] {
  return [...built.keys()].map((key) => ({ key: normalizeName(key), extras: [] }));
}

function requirementOf(text: string, owner: string, wheel: string): Requirement {
  try {
    const req = parseRequirement(text);
    if (req.url !== undefined) throw new RequirementError('a direct URL reference, which an install with --no-index cannot satisfy');
    return req;
  } catch (err) {
    if (!(err instanceof RequirementError)) throw err;
    throw unusable(owner, wheel, text, err.message);
  }
}

function markerHolds(req: Requirement, owner: string, wheel: string, extras: ReadonlySet<string>, platform: TargetPlatform | undefined): boolean {
  try {
    return evaluateMarker(req.marker as string, { extras, ...(platform ? { platform } : {}) });
  } catch (err) {
    if (!(err instanceof MarkerError)) throw err;
    throw unusable(owner, wheel, `${req.name}; ${req.marker as string}`, `its marker cannot be evaluated for the builder: ${err.message}`);
  }
}

function unusable(owner: string, wheel: string, text: string, why: string): HbuildError {
  return new HbuildError('ERR_WHEEL_INVALID', `${owner}: Requires-Dist ${JSON.stringify(text.slice(0, 200))} in ${wheel} is unusable: ${why}`, {
    hint: 'requirements.txt cannot be worked out for this wheel; report it upstream, or leave the package out of the lock',
    details: { package: owner, wheel },
  });
}
