import { HbuildError, isHbuildError } from '../core/errors.js';
import { topologicalOrder } from '../lockfile/graph.js';
import { pinExact, pinNewest, type PinContext } from './pin-sdist.js';
import type { Requirement } from '../core/requirement.js';
import { cycle, markerHolds, parseBuildRequirement, subgraph } from './closure-rules.js';
import { versionSatisfies } from './candidates.js';
import type { InputPin } from './input/types.js';
import type { BuildProbe, LockedPackage, PinnedSdist, ProbeWheel } from './types.js';
import { refusedTogether } from './refusals.js';

export interface ClosureOptions {
  pin: PinContext;
  probe: BuildProbe;
  /** Versions the current lock holds: kept for build requirements while they still satisfy. */
  previous: ReadonlyMap<string, string>;
  /** Progress lines for the user. */
  progress?: (message: string) => void;
  /**
   * Build requirements a package's recipe adds to its build environment beyond its sdist's
   * static `[build-system]` ones (auditwheel, when the recipe repairs the wheel).
   */
  extraRequires?: (pinned: { name: string; version: string }) => Promise<readonly string[]>;
}

const MAX_ROUNDS = 25;

interface Constraint {
  specifier: string;
  by: string;
}

/** A build requirement that the version chosen earlier does not satisfy: resolve again with it. */
class Reresolve {
  constructor(readonly key: string, readonly constraint: Constraint) {}
}

/**
 * Pin every input package and close over what their builds need: static `[build-system]`
 * requirements, the backend's dynamic `get_requires_for_build_wheel` answer, and the runtime
 * dependencies of every wheel in a build environment, each resolved to one newest admissible
 * sdist per name. When a later requirement rules out a version chosen earlier, resolution
 * starts again with that constraint known, until it settles.
 */
export async function closeLock(roots: readonly InputPin[], options: ClosureOptions): Promise<LockedPackage[]> {
  const pinnedRoots = await pinRoots(roots, options.pin);
  const constraints = new Map<string, Constraint[]>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const outcome = await attempt(pinnedRoots, constraints, options);
    if (!(outcome instanceof Reresolve)) return outcome;
    constraints.set(outcome.key, [...(constraints.get(outcome.key) ?? []), outcome.constraint]);
    options.progress?.(`re-resolving ${outcome.key}: ${outcome.constraint.by} needs ${outcome.key}${outcome.constraint.specifier}`);
  }
  throw new HbuildError('ERR_USAGE', `build requirements did not settle after ${MAX_ROUNDS} rounds`, { details: { constraints: Object.fromEntries(constraints) } });
}

/** Every input pin at once, so that all refusals are reported together. */
async function pinRoots(roots: readonly InputPin[], ctx: PinContext): Promise<Map<string, PinnedSdist>> {
  const pinned = new Map<string, PinnedSdist>();
  const errors: HbuildError[] = [];
  for (const root of [...roots].sort((a, b) => (a.key < b.key ? -1 : 1))) {
    try {
      pinned.set(root.key, await pinExact(ctx, root));
    } catch (err) {
      if (!isHbuildError(err) || err.code === 'ERR_CANCELLED') throw err;
      errors.push(err);
    }
  }
  if (errors.length > 0) throw refusedTogether(errors);
  return pinned;
}

async function attempt(roots: ReadonlyMap<string, PinnedSdist>, constraints: ReadonlyMap<string, Constraint[]>, options: ClosureOptions): Promise<LockedPackage[] | Reresolve> {
  const entries = new Map(roots);
  const envs = new Map<string, string[]>();
  const wheels = new Map<string, ProbeWheel>();

  const requireName = async (req: Requirement, by: string): Promise<string> => {
    const chosen = entries.get(req.key);
    if (chosen) {
      if (versionSatisfies(chosen.version, req.specifier)) return req.key;
      if (roots.has(req.key)) {
        throw new HbuildError('ERR_USAGE', `${by} needs ${req.key}${req.specifier} to build, but the input pins ${req.key}==${chosen.version}`, {
          hint: `change the pin of ${req.key} in the input to a version that satisfies ${req.specifier}`,
        });
      }
      throw new Reresolve(req.key, { specifier: req.specifier, by });
    }
    const known = constraints.get(req.key) ?? [];
    try {
      const pinned = await pinNewest(options.pin, req.key, [...known.map((c) => c.specifier), req.specifier], options.previous.get(req.key));
      options.progress?.(`${by} needs ${req.key}${req.specifier}: ${pinned.version}`);
      entries.set(req.key, pinned);
      return req.key;
    } catch (err) {
      if (isHbuildError(err) && known.length > 0) err.message += ` (asked for by ${[...known.map((c) => c.by), by].join(', ')})`;
      throw err;
    }
  };

  const requirementsOf = (texts: readonly string[], owner: PinnedSdist, source: string): Requirement[] => {
    const selfHosted = owner.buildSystem.backendPath.length > 0;
    const out: Requirement[] = [];
    for (const text of texts) {
      const req = parseBuildRequirement(text, `${owner.name} ${owner.version}`, source);
      if (req.marker !== undefined && !markerHolds(req, `${owner.name} ${owner.version}`, new Set())) continue;
      // A self-hosted backend (backend-path) provides itself from its own tree.
      if (req.key === owner.name && selfHosted) continue;
      out.push(req);
    }
    return out;
  };

  const runtimeClosure = async (reqs: Requirement[], path: string[], by: string): Promise<Set<string>> => {
    const found = new Set<string>();
    const done = new Map<string, Set<string>>();
    const queue = reqs.map((req) => ({ req, by }));
    while (queue.length > 0) {
      const { req, by: asker } = queue.shift()!;
      const key = await requireName(req, asker);
      const extras = done.get(key);
      if (extras && req.extras.every((e) => extras.has(e))) continue;
      done.set(key, new Set([...(extras ?? []), ...req.extras]));
      found.add(key);
      const wheel = await wheelOf(key, path);
      const owner = entries.get(key)!;
      for (const text of wheel.requiresDist) {
        const dep = parseBuildRequirement(text, `${owner.name} ${owner.version}`, 'its wheel METADATA');
        if (dep.marker === undefined || markerHolds(dep, `${owner.name} ${owner.version}`, new Set(req.extras))) queue.push({ req: dep, by: `${owner.name} ${owner.version}` });
      }
    }
    return found;
  };

  const envOf = async (key: string, path: string[]): Promise<string[]> => {
    const known = envs.get(key);
    if (known) return known;
    const pinned = entries.get(key)!;
    const here = [...path, key];
    const extra = requirementsOf((await options.extraRequires?.(pinned)) ?? [], pinned, 'its recipe');
    const staticKeys = await runtimeClosure([...requirementsOf(pinned.buildSystem.requires, pinned, 'pyproject.toml'), ...extra], here, `${key} ${pinned.version}`);
    const staticWheels = [...staticKeys].sort().map((k) => wheels.get(k)!);
    const dynamic = await options.probe.dynamicRequires(pinned, staticWheels);
    const dynamicKeys = await runtimeClosure(requirementsOf(dynamic, pinned, 'get_requires_for_build_wheel'), here, `${key} ${pinned.version}`);
    const env = [...new Set([...staticKeys, ...dynamicKeys])].sort();
    if (env.includes(key)) throw cycle([...here, key]);
    envs.set(key, env);
    return env;
  };

  const wheelOf = async (key: string, path: string[]): Promise<ProbeWheel> => {
    const built = wheels.get(key);
    if (built) return built;
    if (path.includes(key)) throw cycle([...path.slice(path.indexOf(key)), key]);
    await envOf(key, path);
    const order = topologicalOrder(subgraph(key, envs));
    const packages = order.map((k) => ({ pinned: entries.get(k)!, buildRequires: envs.get(k)! }));
    options.progress?.(`building ${key} ${entries.get(key)!.version} to read its metadata`);
    const wheel = await options.probe.buildWheel(entries.get(key)!, packages);
    wheels.set(key, wheel);
    return wheel;
  };

  try {
    for (const key of [...roots.keys()].sort()) await envOf(key, []);
  } catch (err) {
    if (err instanceof Reresolve) return err;
    throw err;
  }
  return [...entries.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ sdistPath: _path, buildSystem: _system, ...pkg }) => ({ ...pkg, buildRequires: envs.get(pkg.name) ?? [] }));
}
