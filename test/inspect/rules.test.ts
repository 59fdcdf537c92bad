import { describe, expect, it } from 'vitest';
import { resolveLimits, DEFAULT_ARCHIVE_LIMITS } from '../../src/inspect/archive-limits.js';
import { checkMemberName, resolveSymlinkTarget } from '../../src/inspect/member-path.js';
import { createMemberTree } from '../../src/inspect/member-tree.js';
import { normalizeName } from '../../src/core/pep503.js';
import { parsePkgInfo } from '../../src/inspect/pkg-info.js';

describe('normalizeName', () => {
  it.each([
    ['Foo.Bar_baz', 'foo-bar-baz'],
    ['a--_.b', 'a-b'],
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
  ])('normalises %j to %j', (name, expected) => {
    const normalised = normalizeName(name);

    expect(normalised).toBe(expected);
  });
});

describe('checkMemberName', () => {
  it('drops empty and dot segments', () => {
    const result = checkMemberName('./pkg-1.0//src/./a.py', 1024);

    expect(result).toEqual({ ok: true, segments: ['pkg-1.0', 'src', 'a.py'] });
  });

  it.each([
    ['pkg/../x', 'path-traversal'],
    ['/abs', 'absolute-path'],
    ['c:rel', 'absolute-path'],
    ['pkg\\x', 'backslash'],
    ['pkg/\u0085x', 'control-char'],
    ['./', 'outside-top-dir'],
    ['', 'outside-top-dir'],
  ])('refuses %j as %s', (name, rule) => {
    const result = checkMemberName(name, 1024);

    expect(result).toMatchObject({ ok: false, rule });
  });
});

describe('resolveSymlinkTarget', () => {
  it.each([
    [['docs', 'link'], '../src/./pkg', ['src', 'pkg'], '../src/pkg'],
    [['a', 'b', 'link'], '../..', [], '../..'],
    [['link'], '.', [], '.'],
    [['link'], 'sub/file', ['sub', 'file'], 'sub/file'],
  ])('resolves %j -> %j inside the tree', (link, target, resolved, normalised) => {
    const result = resolveSymlinkTarget(link, target, 1024);

    expect(result).toEqual({ ok: true, resolved, target: normalised });
  });

  it.each([
    [['link'], '..', 'symlink-escape'],
    [['a', 'link'], '../../x', 'symlink-escape'],
    [['a', 'link'], 'd/../..', 'symlink-escape'],
    [['link'], '/etc/passwd', 'symlink-absolute'],
    [['link'], 'D:/x', 'symlink-absolute'],
    [['link'], 'a\\b', 'backslash'],
    [['link'], '', 'symlink-escape'],
  ])('refuses %j -> %j', (link, target, rule) => {
    const result = resolveSymlinkTarget(link, target, 1024);

    expect(result).toMatchObject({ ok: false, rule });
  });
});

describe('createMemberTree', () => {
  it('reports directories first implied by a member, once', () => {
    const tree = createMemberTree(100);

    const first = tree.add(['top', 'a', 'b', 'f.py'], 'file');
    const second = tree.add(['top', 'a', 'c.py'], 'file');

    expect(first).toEqual(['a', 'a/b']);
    expect(second).toEqual([]);
    expect(tree.topDir).toBe('top');
  });

  it('refuses a symlink over a directory that already holds members', () => {
    const tree = createMemberTree(100);
    tree.add(['top', 'lib', 'x.py'], 'file');

    const result = tree.add(['top', 'lib'], 'symlink');

    expect(result).toMatchObject({ rule: 'path-conflict' });
  });

  it('accepts an explicit directory after it was implied, but not twice', () => {
    const tree = createMemberTree(100);
    tree.add(['top', 'lib', 'x.py'], 'file');

    const first = tree.add(['top', 'lib'], 'directory');
    const second = tree.add(['top', 'lib'], 'directory');

    expect(first).toEqual([]);
    expect(second).toMatchObject({ rule: 'duplicate-path' });
  });

  it('counts implied directories against the limit', () => {
    const tree = createMemberTree(4);

    const result = tree.add(['top', 'a', 'b', 'c', 'd', 'f'], 'file');

    expect(result).toMatchObject({ rule: 'too-many-members' });
  });
});

describe('parsePkgInfo', () => {
  it('reads the first Name and Version from the header block only', () => {
    const text = 'Metadata-Version: 2.1\r\nname: first\r\nSummary: a\r\n  continued\r\nNAME: second\r\nVersion:  1.0 \r\n\r\nVersion: 9\n';

    const info = parsePkgInfo(text);

    expect(info).toEqual({ name: 'first', version: '1.0' });
  });

  it('returns null without a Version header', () => {
    const info = parsePkgInfo('Metadata-Version: 2.1\nName: x\n\nVersion: 1.0\n');

    expect(info).toBeNull();
  });
});

describe('resolveLimits', () => {
  it('fills in defaults and refuses nonsense', () => {
    const limits = resolveLimits({ maxMembers: 10 });

    expect(limits).toEqual({ ...DEFAULT_ARCHIVE_LIMITS, maxMembers: 10 });
    expect(() => resolveLimits({ maxRatio: 0 })).toThrow(RangeError);
    expect(() => resolveLimits({ maxTotalBytes: Number.NaN })).toThrow(RangeError);
  });
});
