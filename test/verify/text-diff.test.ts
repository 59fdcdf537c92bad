import { describe, expect, it } from 'vitest';
import { binaryNote, firstDifference, isText, printableAround, stringsOnlyIn } from '../../src/verify/binary-detail.js';
import { unifiedDiff } from '../../src/verify/text-diff.js';

describe('unifiedDiff', () => {
  it('writes hunks with three lines of context, like diff -u', () => {
    const left = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const right = 'a\nb\nc\nd\nE\nf\ng\nh\n';

    const lines = unifiedDiff(left, right);

    expect(lines).toEqual(['@@ -2,7 +2,7 @@', ' b', ' c', ' d', '-e', '+E', ' f', ' g', ' h']);
  });

  it('shows additions, removals and separate hunks for distant changes', () => {
    const left = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const right = left.replace('line 1\n', '').replace('line 18', 'line 18\nnew');

    const lines = unifiedDiff(left, right, { context: 1 });

    expect(lines).toEqual(['@@ -1,3 +1,2 @@', ' line 0', '-line 1', ' line 2', '@@ -19,2 +18,3 @@', ' line 18', '+new', ' line 19']);
  });

  it('is empty for equal texts', () => {
    const lines = unifiedDiff('same\n', 'same\n');

    expect(lines).toEqual([]);
  });

  it('gives up (null) rather than build an unbounded table, and caps its output', () => {
    const big = (seed: string): string => Array.from({ length: 3000 }, (_, i) => `${seed}${i}`).join('\n');

    const tooBig = unifiedDiff(big('a'), big('b'));
    const capped = unifiedDiff(big('a'), big('b'), { maxCells: 10_000_000, maxLines: 10 });

    expect(tooBig).toBeNull();
    expect(capped).toHaveLength(11);
    expect(capped?.at(-1)).toMatch(/^… \d+ more diff lines$/);
  });

  it('cuts very long lines', () => {
    const lines = unifiedDiff('x'.repeat(5000), 'y'.repeat(5000), { maxLineLength: 10 });

    expect(lines?.[1]).toBe(`-${'x'.repeat(10)}…`);
  });
});

describe('binary details', () => {
  it('tells text from binary', () => {
    const verdicts = [isText(Buffer.from('héllo\n')), isText(Buffer.from([0x68, 0, 0x69])), isText(Buffer.from([0xff, 0xfe]))];

    expect(verdicts).toEqual([true, false, false]);
  });

  it('finds the first differing byte and the readable text around it', () => {
    const left = Buffer.concat([Buffer.from([0, 1]), Buffer.from('/build/src/_speedups.c'), Buffer.from([0])]);
    const right = Buffer.concat([Buffer.from([0, 1]), Buffer.from('/build/hbv-path-1/src/_speedups.c'), Buffer.from([0])]);

    const offset = firstDifference(left, right);

    expect(offset).toBe(9);
    expect(printableAround(left, offset)).toBe('/build/src/_speedups.c');
    expect(binaryNote('pkg/_speedups.cpython-311-x86_64-linux-gnu.so', left, right)).toMatch(/shared object.*first difference at byte 9 \(0x9\); sizes 25 and 36.*"\/build\/src\/_speedups.c" vs "\/build\/hbv-path-1\/src\/_speedups.c"/);
  });

  it('lists the strings only one side holds, where build paths show up', () => {
    const so = (path: string): Buffer => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]), Buffer.from(`GCC: (Debian 12.2.0-14) 12.2.0\0${path}/_speedups.c\0`)]);

    const only = stringsOnlyIn(so('/build/src/src/markupsafe'), so('/build/hbv-path-1/src/src/markupsafe'));

    expect(only).toEqual({ left: ['/build/src/src/markupsafe/_speedups.c'], right: ['/build/hbv-path-1/src/src/markupsafe/_speedups.c'] });
  });

  it('compares the header fields of compiled Python', () => {
    const header = (mtime: number): Buffer => {
      const b = Buffer.alloc(20);
      b.write('a70d0d0a', 0, 'hex');
      b.writeUInt32LE(0, 4);
      b.writeUInt32LE(mtime, 8);
      b.writeUInt32LE(99, 12);
      return b;
    };

    const note = binaryNote('pkg/__pycache__/m.cpython-311.pyc', header(0), header(86400));

    expect(note).toContain('Header: sourceMtime 1970-01-01T00:00:00.000Z vs 1970-01-02T00:00:00.000Z.');
    expect(note).toContain('co_filename');
  });
});
