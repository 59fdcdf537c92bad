/** A build graph: each node maps to the nodes it build-requires. */
export type Graph = ReadonlyMap<string, readonly string[]>;

function sortedDeps(graph: Graph, node: string): string[] {
  return [...(graph.get(node) ?? [])].filter((dep) => graph.has(dep)).sort();
}

/**
 * Cycles found by one depth-first search, each as a closed path `[a, b, c, a]`.
 * Not every elementary cycle, but at least one for every strongly connected
 * component that has any, which is what a user needs to break them.
 * Iterative, so a long chain of 5000 packages cannot overflow the stack.
 */
export function findCycles(graph: Graph, limit = Number.POSITIVE_INFINITY): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  for (const start of [...graph.keys()].sort()) {
    if (state.has(start)) continue;
    state.set(start, 'open');
    const stack = [{ node: start, deps: sortedDeps(graph, start), next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const dep = top.deps[top.next++];
      if (dep === undefined) {
        state.set(top.node, 'done');
        stack.pop();
      } else if (!state.has(dep)) {
        state.set(dep, 'open');
        stack.push({ node: dep, deps: sortedDeps(graph, dep), next: 0 });
      } else if (state.get(dep) === 'open') {
        const from = stack.findIndex((frame) => frame.node === dep);
        cycles.push([...stack.slice(from).map((frame) => frame.node), dep]);
        if (cycles.length >= limit) return cycles;
      }
    }
  }
  return cycles;
}

function insertSorted(list: string[], value: string): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, value);
}

/**
 * Dependencies before dependents; among nodes ready at the same time the
 * smallest name goes first, so the order depends only on the graph.
 * Throws a plain Error on a cycle: callers plan only validated locks.
 */
export function topologicalOrder(graph: Graph): string[] {
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  const ready: string[] = [];
  for (const node of graph.keys()) {
    const deps = new Set(sortedDeps(graph, node));
    waiting.set(node, deps.size);
    for (const dep of deps) {
      const list = dependents.get(dep);
      if (list) list.push(node);
      else dependents.set(dep, [node]);
    }
    if (deps.size === 0) insertSorted(ready, node);
  }
  const order: string[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
    order.push(node);
    for (const dependent of dependents.get(node) ?? []) {
      const left = waiting.get(dependent)! - 1;
      waiting.set(dependent, left);
      if (left === 0) insertSorted(ready, dependent);
    }
  }
  if (order.length !== graph.size) throw new Error('topologicalOrder: the build graph has a cycle');
  return order;
}
