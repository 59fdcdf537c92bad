export interface UnifiedDiffOptions {
  context?: number;
  /** Output lines kept; the rest is summarised in one line. */
  maxLines?: number;
  /** Longest line shown; longer lines are cut. */
  maxLineLength?: number;
  /** Largest table (changed lines left × right) the line matcher may build. */
  maxCells?: number;
}

type Op = { kind: ' ' | '-' | '+'; a: number; b: number };

/**
 * A unified diff of two texts (`@@ -l,n +l,n @@` hunks), or null when the
 * changed middle is too large to match line by line within `maxCells`.
 */
export function unifiedDiff(left: string, right: string, options: UnifiedDiffOptions = {}): string[] | null {
  const { context = 3, maxLines = 400, maxLineLength = 1000, maxCells = 4_000_000 } = options;
  const a = splitLines(left);
  const b = splitLines(right);
  const ops = diffLines(a, b, maxCells);
  if (ops === null) return null;
  const out: string[] = [];
  for (const hunk of hunks(ops, context)) {
    const first = hunk[0] as Op;
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${first.a + (aLen ? 1 : 0)},${aLen} +${first.b + (bLen ? 1 : 0)},${bLen} @@`);
    for (const op of hunk) {
      const line = op.kind === '+' ? (b[op.b] as string) : (a[op.a] as string);
      out.push(`${op.kind}${line.length > maxLineLength ? `${line.slice(0, maxLineLength)}…` : line}`);
    }
  }
  if (out.length > maxLines) return [...out.slice(0, maxLines), `… ${out.length - maxLines} more diff lines`];
  return out;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Edit script over the lines: common prefix and suffix are matched first, the middle by longest common subsequence. */
function diffLines(a: string[], b: string[], maxCells: number): Op[] | null {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const n = a.length - pre - suf;
  const m = b.length - pre - suf;
  if ((n + 1) * (m + 1) > maxCells) return null;
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number): number => lcs[i * (m + 1) + j] as number;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] = a[pre + i] === b[pre + j] ? at(i + 1, j + 1) + 1 : Math.max(at(i + 1, j), at(i, j + 1));
    }
  }
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ kind: ' ', a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[pre + i] === b[pre + j]) ops.push({ kind: ' ', a: pre + i++, b: pre + j++ });
    else if (i < n && (j === m || at(i + 1, j) >= at(i, j + 1))) ops.push({ kind: '-', a: pre + i++, b: pre + j });
    else ops.push({ kind: '+', a: pre + i, b: pre + j++ });
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: ' ', a: a.length - suf + k, b: b.length - suf + k });
  return ops;
}

/** Group changes with `context` unchanged lines around them; nearby groups merge. */
function hunks(ops: Op[], context: number): Op[][] {
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  const groups: Op[][] = [];
  let start = -1;
  let end = -1;
  for (const index of changed) {
    if (start !== -1 && index - context <= end + context) {
      end = index;
      continue;
    }
    if (start !== -1) groups.push(ops.slice(Math.max(0, start - context), Math.min(ops.length, end + context + 1)));
    start = index;
    end = index;
  }
  if (start !== -1) groups.push(ops.slice(Math.max(0, start - context), Math.min(ops.length, end + context + 1)));
  return groups;
}
