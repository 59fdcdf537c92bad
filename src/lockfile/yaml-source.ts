import { LineCounter, isAlias, isMap, isNode, isScalar, isSeq, parseDocument, type Document, type Node, type Pair } from 'yaml';
import { formatPath, type Finding, type PathSegment, type Problem } from './lock-problems.js';

/** lock.yaml is at most four levels deep; anything far deeper is hostile. */
const MAX_DEPTH = 32;

export interface LockSource {
  text: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** Duplicate keys are found by our own walk so they can be reported with their data path. */
export function parseLockYaml(text: string): LockSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: false,
    merge: false,
    version: '1.2',
    schema: 'core',
    strict: true,
  });
  return { text, doc, lineCounter };
}

/** 1-based line of an offset; an error at the very end belongs to the last line. */
export function lineAt(source: LockSource, offset: number): number {
  const clamped = Math.max(0, Math.min(offset, source.text.length - 1));
  return source.lineCounter.linePos(clamped).line;
}

function findPair(node: unknown, segment: PathSegment): Pair | undefined {
  if (!isMap(node)) return undefined;
  return node.items.findLast((pair) => isScalar(pair.key) && String(pair.key.value) === String(segment));
}

/** The 1-based line of the node at `path`, or of the nearest ancestor that exists. */
export function lineOf(source: LockSource, path: readonly PathSegment[], at?: 'key'): number {
  let node: unknown = source.doc.contents;
  let line = isNode(node) && node.range ? lineAt(source, node.range[0]) : 1;
  for (const [i, segment] of path.entries()) {
    const pair = findPair(node, segment);
    const keyNode = pair?.key;
    const child = pair ? pair.value : isSeq(node) && typeof segment === 'number' ? node.items[segment] : undefined;
    const wantKey = at === 'key' && i === path.length - 1;
    const target = wantKey || !isNode(child) ? keyNode : child;
    if (!isNode(target) || !target.range) break;
    line = lineAt(source, target.range[0]);
    node = child;
  }
  return line;
}

export function locate(source: LockSource, findings: readonly Finding[]): Problem[] {
  return findings.map((f) => ({ path: formatPath(f.path), line: lineOf(source, f.path, f.at), message: f.message }));
}

export interface DocumentCheck {
  problems: Problem[];
  /** The data cannot safely be converted to JS (syntax errors, aliases, complex keys, depth). */
  blocking: boolean;
}

/** Problems with the YAML itself, before looking at what it says. */
export function checkDocument(source: LockSource): DocumentCheck {
  const problems: Problem[] = [];
  let blocking = false;
  for (const err of source.doc.errors) {
    problems.push({ path: '', line: lineAt(source, err.pos[0]), message: `YAML syntax: ${err.message}` });
    blocking = true;
  }
  for (const warning of source.doc.warnings) {
    problems.push({ path: '', line: lineAt(source, warning.pos[0]), message: `YAML: ${warning.message}` });
  }
  if (blocking) return { problems, blocking };

  const report = (node: Node, path: PathSegment[], message: string, blocks: boolean): void => {
    const range = node.range;
    problems.push({ path: formatPath(path), line: range ? lineAt(source, range[0]) : 1, message });
    blocking ||= blocks;
  };

  const walk = (node: unknown, path: PathSegment[], depth: number): void => {
    if (!isNode(node)) return;
    if (isAlias(node)) return report(node, path, 'YAML aliases are not allowed', true);
    if (node.tag !== undefined) report(node, path, `YAML tags are not allowed (${node.tag})`, false);
    if (depth > MAX_DEPTH) return report(node, path, `nested deeper than ${MAX_DEPTH} levels`, true);
    if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) walk(item, [...path, i], depth + 1);
    } else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) {
          report(isNode(pair.key) ? pair.key : node, path, 'keys must be plain scalars', true);
          continue;
        }
        const key = String(pair.key.value);
        if (seen.has(key)) report(pair.key, [...path, key], 'duplicate key', false);
        seen.add(key);
        walk(pair.value, [...path, key], depth + 1);
      }
    }
  };
  walk(source.doc.contents, [], 0);
  return { problems, blocking };
}
