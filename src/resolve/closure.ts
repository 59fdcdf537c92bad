import { compare } from '@renovatebot/pep440';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { topologicalOrder } from '../lockfile/graph.js';
import { packageId } from '../lockfile/package-ids.js';
import { pinExact, pinNewest, type PinContext } from './pin-sdist.js';
import type { Requirement } from '../core/requirement.js';
import { cycle, markerHolds, parseBuildRequirement, subgraph } from './closure-rules.js';
import { versionSatisfies } from './candidates.js';
import type { InputPin } from './input/types.js';
import type { BuildProbe, LockedPackage, PinnedSdist, ProbeWheel } from './types.js';
import { refusedTogether } from './refusals.js';
import { checkStaticRequires, needsRust, RUST_BACKENDS } from './static-check.js';
import type { TargetPlatform } from '../core/marker-environment.js';

export interface ClosureOptions {
  pin: PinContext;
  probe: BuildProbe;
  /** Versions the current lock holds, by name: preferred for build requirements while they still satisfy. */
  previous: ReadonlyMap<string, readonly string[]>;
  /** Progress lines for the user. */
  progress?: (message: string) => void;
  /** Whether the recipe of this package gives its builds a Rust toolchain. */
  rustToolchain?: (key: string) => Promise<boolean>;
  /** The target's platform, for build requirements' markers (Requires-Python is checked through `pin.target`); default: the default builder image's. */
  platform?: TargetPlatform;
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

/** A requirement of one build environment that the version chosen earlier in it does not satisfy: resolve that environment again. */
class Reresolve {
  constructor(readonly env: string, readonly key: string, readonly constraint: Constraint) {}
}

/**
 * Pin every input package and close over what their builds need: static `[build-system]`
 * requirements, the backend's dynamic `get_requires_for_build_wheel` answer, and the runtime
 * dependencies of every wheel in a build environment. Each package's build environment is
 * resolved on its own, as pip would: one version per name within it, consistent with the
 * runtime dependencies of its wheels; a name the input pins has that version everywhere.
 * Versions are shared where the ranges allow: a version another environment already uses
 * first, then one the current lock holds, then the newest admissible. So a lock can hold
 * several versions of one backend. When a later requirement of an environment rules out a
 * version chosen earlier in it, that environment is resolved again with the constraint known.
 */
export async function closeLock(roots: readonly InputPin[], options: ClosureOptions): Promise<LockedPackage[]> {
  const { pinned, errors } = await pinRoots(roots, options.pin);
  // Everything visible without building, all at once, before the first probe build.
  errors.push(...(await checkStaticRequires(pinned, options)));
  if (errors.length > 0) throw refusedTogether(errors);
  return new Resolution(pinned, options).run();
}

/** Every input pin, and every refusal, so that they are reported together. */
async function pinRoots(roots: readonly InputPin[], ctx: PinContext): Promise<{ pinned: Map<string, PinnedSdist>; errors: HbuildError[] }> {
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
  return { pinned, errors };
}

const idOf = (p: { name: string; version: string }): string => packageId(p.name, p.version);
const nameOf = (id: string): string => id.slice(0, id.indexOf('=='));

/** The state of one `hbuild lock` resolution: sdists pinned so far, settled environments, probe wheels. */
class Resolution {
  private readonly sdists = new Map<string, PinnedSdist>();
  /** Settled build environments: package id → ids of the wheels it holds, sorted. */
  private readonly envs = new Map<string, string[]>();
  private readonly wheels = new Map<string, ProbeWheel>();
  /** Versions settled environments (and the input) use, by name: shared first. */
  private readonly used = new Map<string, Set<string>>();

  constructor(
    private readonly roots: ReadonlyMap<string, PinnedSdist>,
    private readonly options: ClosureOptions,
  ) {
    for (const pinned of roots.values()) this.remember(pinned);
  }

  async run(): Promise<LockedPackage[]> {
    for (const key of [...this.roots.keys()].sort()) await this.resolveEnv(idOf(this.roots.get(key)!), []);
    const reached = subgraphOfAll([...this.roots.values()].map(idOf), this.envs);
    return [...reached]
      .map((id) => this.sdists.get(id)!)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : compare(a.version, b.version)))
      .map(({ sdistPath: _path, buildSystem: _system, cargoToml: _cargo, ...pkg }) => ({ ...pkg, buildRequires: this.envs.get(idOf(pkg)) ?? [] }));
  }

  private remember(pinned: PinnedSdist): PinnedSdist {
    const id = idOf(pinned);
    const known = this.sdists.get(id);
    if (known) return known;
    this.sdists.set(id, pinned);
    return pinned;
  }

  private async resolveEnv(id: string, path: readonly string[]): Promise<string[]> {
    const settled = this.envs.get(id);
    if (settled) return settled;
    const constraints = new Map<string, Constraint[]>();
    for (let round = 0; round < MAX_ROUNDS; round++) {
      try {
        const env = await this.attemptEnv(id, [...path, id], constraints);
        this.envs.set(id, env);
        for (const member of env) this.used.set(nameOf(member), new Set([...(this.used.get(nameOf(member)) ?? []), this.sdists.get(member)!.version]));
        return env;
      } catch (err) {
        if (!(err instanceof Reresolve) || err.env !== id) throw err;
        constraints.set(err.key, [...(constraints.get(err.key) ?? []), err.constraint]);
        this.options.progress?.(`re-resolving ${err.key} for ${this.describe(id)}: ${err.constraint.by} needs ${err.key}${err.constraint.specifier}`);
      }
    }
    throw new HbuildError('ERR_USAGE', `the build environment of ${this.describe(id)} did not settle after ${MAX_ROUNDS} rounds`, { details: { constraints: Object.fromEntries(constraints) } });
  }

  private describe(id: string): string {
    const pinned = this.sdists.get(id)!;
    return `${pinned.name} ${pinned.version}`;
  }

  /** One try at the build environment of `id`: every requirement of it, and the runtime closure of their wheels, one version per name. */
  private async attemptEnv(id: string, here: readonly string[], constraints: ReadonlyMap<string, Constraint[]>): Promise<string[]> {
    const pinned = this.sdists.get(id)!;
    const owner = this.describe(id);
    const choices = new Map<string, string>();

    const requireName = async (req: Requirement, by: string): Promise<string> => {
      const chosen = choices.get(req.key);
      if (chosen) {
        if (versionSatisfies(this.sdists.get(chosen)!.version, req.specifier)) return chosen;
        if (this.roots.has(req.key)) throw inputConflict(req, by, this.roots.get(req.key)!);
        throw new Reresolve(id, req.key, { specifier: req.specifier, by });
      }
      const known = constraints.get(req.key) ?? [];
      const specifiers = [...known.map((c) => c.specifier), req.specifier];
      const root = this.roots.get(req.key);
      if (root) {
        if (!specifiers.every((s) => versionSatisfies(root.version, s))) throw inputConflict(req, by, root);
        choices.set(req.key, idOf(root));
        return idOf(root);
      }
      const picked = await this.pick(req.key, specifiers, [...known.map((c) => c.by), by]);
      this.options.progress?.(`${by} needs ${req.key}${req.specifier}: ${picked.version}`);
      choices.set(req.key, idOf(picked));
      return idOf(picked);
    };

    const runtimeClosure = async (reqs: Requirement[]): Promise<Set<string>> => {
      const found = new Set<string>();
      const done = new Map<string, Set<string>>();
      const queue = reqs.map((req) => ({ req, by: owner }));
      while (queue.length > 0) {
        const { req, by } = queue.shift()!;
        const dep = await requireName(req, by);
        const extras = done.get(dep);
        if (extras && req.extras.every((e) => extras.has(e))) continue;
        done.set(dep, new Set([...(extras ?? []), ...req.extras]));
        found.add(dep);
        const wheel = await this.wheelOf(dep, here);
        const depOwner = this.describe(dep);
        for (const text of wheel.requiresDist) {
          const next = parseBuildRequirement(text, depOwner, 'its wheel METADATA');
          if (next.marker === undefined || markerHolds(next, depOwner, new Set(req.extras), this.options.platform)) queue.push({ req: next, by: depOwner });
        }
      }
      return found;
    };

    const extra = requirementsOf((await this.options.extraRequires?.(pinned)) ?? [], pinned, 'its recipe', this.options.platform);
    const staticIds = await runtimeClosure([...requirementsOf(pinned.buildSystem.requires, pinned, 'pyproject.toml', this.options.platform), ...extra]);
    const staticWheels = [...staticIds].sort().map((k) => this.wheels.get(k)!);
    const dynamic = requirementsOf(await this.options.probe.dynamicRequires(pinned, staticWheels), pinned, 'get_requires_for_build_wheel', this.options.platform);
    const rust = dynamic.filter((r) => RUST_BACKENDS.has(r.key)).map((r) => r.key);
    if (rust.length > 0 && !(await this.options.rustToolchain?.(pinned.name))) throw needsRust(pinned, rust, 'get_requires_for_build_wheel asks for', this.options.platform);
    const dynamicIds = await runtimeClosure(dynamic);
    const env = [...new Set([...staticIds, ...dynamicIds])].sort();
    if (env.includes(id)) throw cycle([...here, id].map(nameOf));
    return env;
  }

  /**
   * A version of `key` for one environment: one that another environment already uses, then
   * one the current lock holds, then the newest admissible; an sdist pinned before is reused.
   */
  private async pick(key: string, specifiers: string[], askers: string[]): Promise<PinnedSdist> {
    const usedHere = [...(this.used.get(key) ?? [])].sort((a, b) => compare(b, a));
    for (const version of usedHere) {
      const known = this.sdists.get(packageId(key, version));
      if (known && specifiers.every((s) => versionSatisfies(version, s))) return known;
    }
    try {
      // Newest first, so that a second run over the same index chooses what the first did.
      const prefer = [...usedHere, ...[...(this.options.previous.get(key) ?? [])].sort((a, b) => compare(b, a))];
      return this.remember(await pinNewest(this.options.pin, key, specifiers, prefer));
    } catch (err) {
      if (isHbuildError(err) && err.code !== 'ERR_CANCELLED') err.message += ` (asked for by ${[...new Set(askers)].join(', ')})`;
      throw err;
    }
  }

  private async wheelOf(id: string, path: readonly string[]): Promise<ProbeWheel> {
    const built = this.wheels.get(id);
    if (built) return built;
    if (path.includes(id)) throw cycle([...path.slice(path.indexOf(id)), id].map(nameOf));
    await this.resolveEnv(id, path);
    const order = topologicalOrder(subgraph(id, this.envs));
    const packages = order.map((k) => ({ pinned: this.sdists.get(k)!, buildRequires: this.envs.get(k)! }));
    this.options.progress?.(`building ${this.describe(id)} to read its metadata`);
    const wheel = await this.options.probe.buildWheel(this.sdists.get(id)!, packages);
    this.wheels.set(id, wheel);
    return wheel;
  }
}

function requirementsOf(texts: readonly string[], owner: PinnedSdist, source: string, platform?: TargetPlatform): Requirement[] {
  const selfHosted = owner.buildSystem.backendPath.length > 0;
  const out: Requirement[] = [];
  for (const text of texts) {
    const req = parseBuildRequirement(text, `${owner.name} ${owner.version}`, source);
    if (req.marker !== undefined && !markerHolds(req, `${owner.name} ${owner.version}`, new Set(), platform)) continue;
    // A self-hosted backend (backend-path) provides itself from its own tree.
    if (req.key === owner.name && selfHosted) continue;
    out.push(req);
  }
  return out;
}

function inputConflict(req: Requirement, by: string, root: PinnedSdist): HbuildError {
  return new HbuildError('ERR_USAGE', `${by} needs ${req.key}${req.specifier} to build, but the input pins ${req.key}==${root.version}`, {
    hint: `change the pin of ${req.key} in the input to a version that satisfies ${req.specifier}`,
  });
}

/** Every id reachable from `starts` through the environments. */
function subgraphOfAll(starts: readonly string[], envs: ReadonlyMap<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...starts];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(envs.get(id) ?? []));
  }
  return seen;
}
