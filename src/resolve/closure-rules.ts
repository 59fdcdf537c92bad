import { HbuildError } from '../core/errors.js';
import { evaluateMarker, MarkerError } from '../core/markers.js';
import type { TargetPlatform } from '../core/marker-environment.js';
import { parseRequirement, RequirementError, type Requirement } from '../core/requirement.js';

/** The part of the build graph `root` needs, for building it. */
export function subgraph(root: string, envs: ReadonlyMap<string, string[]>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const stack = [root];
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (graph.has(key)) continue;
    const deps = envs.get(key) ?? [];
    graph.set(key, deps);
    stack.push(...deps);
  }
  return graph;
}

/** A build or runtime requirement from an sdist, a hook or a wheel: hostile text, so every failure names its source. */
export function parseBuildRequirement(text: string, owner: string, source: string): Requirement {
  try {
    const req = parseRequirement(text);
    if (req.url) throw new RequirementError('direct URL references cannot be pinned');
    return req;
  } catch (err) {
    if (!(err instanceof RequirementError)) throw err;
    throw new HbuildError('ERR_BUILD_FAILED', `${owner}: requirement ${JSON.stringify(text.slice(0, 200))} from ${source} is unusable: ${err.message}`);
  }
}

/** Whether a requirement's marker holds for the target's platform (default: the default builder image's). */
export function markerHolds(req: Requirement, owner: string, extras: ReadonlySet<string>, platform?: TargetPlatform): boolean {
  try {
    return evaluateMarker(req.marker!, { extras, ...(platform ? { platform } : {}) });
  } catch (err) {
    if (!(err instanceof MarkerError)) throw err;
    throw new HbuildError('ERR_BUILD_FAILED', `${owner}: marker of ${req.name} cannot be evaluated for the builder: ${err.message}`);
  }
}

export function cycle(path: string[]): HbuildError {
  return new HbuildError('ERR_USAGE', `build requirements form a cycle that no self-hosted backend breaks: ${path.join(' → ')}`, {
    hint: 'each package on the path needs the next one built first; pin versions whose build requirements do not loop, or report it upstream',
    details: { cycle: path },
  });
}
