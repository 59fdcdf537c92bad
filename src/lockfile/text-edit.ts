import { isMap, isNode, isSeq, type Node } from 'yaml';
import { lineAt, type LockSource } from './yaml-source.js';

/** A replacement of text[start, end) by `text`. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Where a node's own text ends: the last scalar of a block collection, not its trailing blank lines. */
export function contentEnd(node: Node): number {
  if (isMap(node) && !node.flow) {
    const last = node.items.at(-1);
    const inner = isNode(last?.value) ? last.value : last?.key;
    if (isNode(inner)) return contentEnd(inner);
  }
  if (isSeq(node) && !node.flow) {
    const last = node.items.at(-1);
    if (isNode(last)) return contentEnd(last);
  }
  return node.range![1];
}

/** Start of the line after the one holding `offset - 1`, or the end of the text. */
export function nextLineStart(source: LockSource, text: string, offset: number): number {
  return source.lineCounter.lineStarts[lineAt(source, offset - 1)] ?? text.length;
}

/** Splice edits in one pass (sorted, overlaps resolved in order), so thousands of them stay linear. */
export function applyEdits(text: string, edits: Edit[]): string {
  const chunks: string[] = [];
  let from = 0;
  for (const edit of [...edits].sort((a, b) => a.start - b.start || a.end - b.end)) {
    chunks.push(text.slice(from, edit.start), edit.text);
    from = Math.max(from, edit.end);
  }
  chunks.push(text.slice(from));
  return chunks.join('');
}
