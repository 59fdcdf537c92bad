import type { Plan, PlannedPackage } from '../lockfile/plan.js';

/**
 * A guess at what one package's build costs, in units of a small pure-Python build: a build
 * whose pinned wheel is not `-none-any` compiles code, and compiling takes about ten times as
 * long and grows with the sources (the sdist's size stands in for them). Only the order of
 * builds depends on it, never a build's inputs or its wheel.
 */
export function estimatedCost(pkg: PlannedPackage): number {
  const compiled = pkg.wheel !== undefined && !pkg.wheel.file.endsWith('-none-any.whl');
  return compiled ? 10 + (pkg.sdist.size ?? 0) / 1_000_000 : 1;
}

/**
 * Each package's scheduling priority: its estimated cost plus the longest chain of estimated
 * costs among the packages that build with its wheel (the critical path through it). A build
 * that other builds wait for starts before one that nothing waits for, and of two that nothing
 * waits for, the costlier starts first, so a long build does not start last. Keys are
 * `PlannedPackage.key`.
 */
export function criticalPathPriorities(plan: Pick<Plan, 'packages'>): Map<string, number> {
  const dependents = new Map<string, string[]>();
  for (const pkg of plan.packages) {
    for (const req of pkg.buildRequires) {
      const list = dependents.get(req) ?? [];
      list.push(pkg.key);
      dependents.set(req, list);
    }
  }
  const priority = new Map<string, number>();
  const visiting = new Set<string>();
  const byKey = new Map(plan.packages.map((p) => [p.key, p]));
  // Depth first with a memo; a cycle (a planner error elsewhere) counts its closing edge as nothing.
  const level = (key: string): number => {
    const known = priority.get(key);
    if (known !== undefined) return known;
    const pkg = byKey.get(key);
    if (!pkg || visiting.has(key)) return 0;
    visiting.add(key);
    let longest = 0;
    for (const dependent of dependents.get(key) ?? []) longest = Math.max(longest, level(dependent));
    visiting.delete(key);
    const value = estimatedCost(pkg) + longest;
    priority.set(key, value);
    return value;
  };
  for (const pkg of plan.packages) level(pkg.key);
  return priority;
}
