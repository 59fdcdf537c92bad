import { sha256 } from '../core/digest.js';

export type TreeEntry =
  | { kind: 'file'; path: string; mode: number; sha256: string }
  | { kind: 'directory'; path: string }
  | { kind: 'symlink'; path: string; target: string };

/**
 * `%` and space are escaped so that a path or target can never be confused
 * with the field separator; every other character stands for itself, and
 * newlines cannot occur because member names are refused for control characters.
 */
function escapeField(text: string): string {
  return text.replace(/%/g, '%25').replace(/ /g, '%20');
}

/** One line of the canonical listing: `type path mode sha256|target` (`-` for directories). */
export function renderTreeLine(entry: TreeEntry): string {
  const path = escapeField(entry.path);
  switch (entry.kind) {
    case 'file':
      return `file ${path} ${entry.mode & 0o111 ? '755' : '644'} ${entry.sha256}`;
    case 'directory':
      return `directory ${path} 755 -`;
    case 'symlink':
      return `symlink ${path} 777 ${escapeField(entry.target)}`;
  }
}

/**
 * The canonical listing of an unpacked sdist: paths relative to the top
 * directory, sorted by their UTF-8 bytes, implied directories included, so it
 * depends only on content, paths, exec bits and link targets.
 */
export function renderTreeListing(entries: Iterable<TreeEntry>): string {
  const keyed = [...entries].map((entry) => ({ key: Buffer.from(entry.path, 'utf8'), entry }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return keyed.map(({ entry }) => renderTreeLine(entry)).join('\n');
}

/** `sha256:<hex>` of the canonical listing. */
export function digestTree(entries: Iterable<TreeEntry>): string {
  return `sha256:${sha256(renderTreeListing(entries))}`;
}
