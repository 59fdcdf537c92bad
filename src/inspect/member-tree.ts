import type { Violation } from './member-path.js';

export type MemberKind = 'file' | 'directory' | 'symlink';

interface Node {
  kind: MemberKind;
  /** False for a directory only implied by the paths below it. */
  explicit: boolean;
  children: Map<string, Node> | null;
}

export interface MemberTree {
  /**
   * Record a member by its normalised segments (top directory first). Returns
   * the directories first implied by this member, outermost first, as paths
   * below the top directory, or the rule it breaks.
   */
  add(segments: readonly string[], kind: MemberKind): string[] | Violation;
  readonly topDir: string | null;
  /** Paths known so far, implied directories and the top directory included. */
  readonly size: number;
}

/**
 * The shape of the sdist as members arrive, in whatever order: one top
 * directory, no path twice, nothing below a file or a symlink (a symlinked
 * parent would let a later member be written through it). Implied
 * directories count against `maxPaths` so deep names cannot inflate it.
 */
export function createMemberTree(maxPaths: number): MemberTree {
  const root: Node = { kind: 'directory', explicit: false, children: new Map() };
  let topDir: string | null = null;
  let size = 1;

  function grow(): Violation | null {
    size += 1;
    if (size <= maxPaths) return null;
    return { rule: 'too-many-members', why: `more than ${maxPaths} paths, implied directories included` };
  }

  function add(segments: readonly string[], kind: MemberKind): string[] | Violation {
    const [top, ...rest] = segments;
    if (top === undefined) return { rule: 'outside-top-dir', why: 'empty name' };
    if (rest.length === 0 && kind !== 'directory') {
      return { rule: 'outside-top-dir', why: `a ${kind} at the top level, beside the top directory` };
    }
    topDir ??= top;
    if (top !== topDir) {
      return { rule: 'multiple-top-dirs', why: `lies outside the top directory ${JSON.stringify(topDir)}` };
    }
    const last = rest.pop();
    if (last === undefined) {
      if (root.explicit) return { rule: 'duplicate-path', why: 'the top directory appears twice' };
      root.explicit = true;
      return [];
    }
    const implied: string[] = [];
    let node = root;
    for (const [depth, segment] of rest.entries()) {
      const children = node.children ?? new Map<string, Node>();
      let child = children.get(segment);
      if (child === undefined) {
        child = { kind: 'directory', explicit: false, children: new Map() };
        children.set(segment, child);
        implied.push(rest.slice(0, depth + 1).join('/'));
        const over = grow();
        if (over) return over;
      } else if (child.kind !== 'directory') {
        const parent = rest.slice(0, depth + 1).join('/');
        return { rule: 'path-conflict', why: `its parent ${JSON.stringify(parent)} is a ${child.kind}` };
      }
      node = child;
    }
    const path = [...rest, last].join('/');
    const children = node.children ?? new Map<string, Node>();
    const existing = children.get(last);
    if (existing?.explicit) return { rule: 'duplicate-path', why: `${JSON.stringify(path)} appears twice` };
    if (existing !== undefined) {
      if (kind !== 'directory') return { rule: 'path-conflict', why: `other members lie below this ${kind}` };
      existing.explicit = true;
      return implied;
    }
    children.set(last, { kind, explicit: true, children: kind === 'directory' ? new Map() : null });
    return grow() ?? implied;
  }

  return {
    add,
    get topDir() {
      return topDir;
    },
    get size() {
      return size;
    },
  };
}
