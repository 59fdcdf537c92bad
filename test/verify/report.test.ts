import { describe, expect, it } from 'vitest';
import { esc, fileLink } from '../../src/verify/html.js';
import { renderHtml } from '../../src/verify/report-html.js';
import { printable, renderSummary } from '../../src/verify/summary.js';
import type { PackageVerification, VerifyResult } from '../../src/verify/types.js';
import { makeSentinels } from '../../src/verify/variations.js';

const HOSTILE = '<script>alert(1)</script>\u202e\u001b[31m';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function identical(name: string): PackageVerification {
  return {
    name,
    version: '1.0',
    key: name,
    sdist: { file: `${name}-1.0.tar.gz`, sha256: A },
    status: 'identical',
    reproducible: true,
    pin: 'match',
    culprits: [],
    reason: 'identical under every variation and equal to the pin',
    builds: [],
    leaks: [],
    history: { state: 'stable', message: 'reproducible since 2026-11-20' },
  };
}

function result(): VerifyResult {
  const differed: PackageVerification = {
    ...identical('fx-umask'),
    status: 'differed',
    reproducible: false,
    culprits: ['umask'],
    reason: 'the output changes under umask',
    builds: [
      { label: 'control', variations: [], wheel: { file: 'fx_umask-1.0-py3-none-any.whl', sha256: A, size: 10 }, seconds: 2, kept: { wheel: 'builds/fx-umask-1.0/control/fx_umask-1.0-py3-none-any.whl', log: 'builds/fx-umask-1.0/control/build.log' } },
      { label: 'variations', variations: ['umask', 'time'], wheel: { file: 'fx_umask-1.0-py3-none-any.whl', sha256: B, size: 10 }, seconds: 2 },
    ],
    diff: {
      left: { label: 'control', file: 'fx_umask-1.0-py3-none-any.whl', sha256: A },
      right: { label: 'variations', file: 'fx_umask-1.0-py3-none-any.whl', sha256: B },
      classification: 'content',
      differences: [{ entry: `fx/${HOSTILE}.txt`, kind: 'content', class: 'content', left: 'sha256 1', right: 'sha256 2' }],
      differingFiles: [`fx/${HOSTILE}.txt`],
      details: [{ entry: `fx/${HOSTILE}.txt`, type: 'text', textDiff: ['@@ -1,1 +1,1 @@', `-${HOSTILE}`, '+<img src=x onerror=alert(2)>'] }],
      truncated: false,
    },
    leaks: [{ kind: 'build path', value: 'hbv-path-1', entry: 'fx/x.pyc', where: 'content' }],
    history: { state: 'regressed', lastIdentical: '2026-11-20T03:00:00.000Z', differsSince: '2026-11-21T03:00:00.000Z', message: 'reproducible on 2026-11-20, differs since 2026-11-21' },
  };
  return {
    format: 'hbuild-verify/1',
    startedAt: '2026-11-21T03:00:00.000Z',
    finishedAt: '2026-11-21T03:10:00.000Z',
    seconds: 600,
    hbuildVersion: '0.1.0',
    lock: { path: '/work/lock.yaml', sha256: A },
    builder: { image: 'default', rootfs: `sha256:${A}`, imageId: 'sha256:1' },
    sourceDateEpoch: 1700000000,
    variations: ['umask', 'time'],
    sentinels: makeSentinels(() => '1'),
    outcome: 'not-reproducible',
    summary: { total: 3, identical: 1, differed: 1, failed: 1, inconclusive: 0, notReproducible: 1, pinMismatch: 0, unpinned: 0 },
    packages: [identical('fx-ok'), differed, { ...identical('fx-broken'), status: 'failed', reproducible: null, pin: 'unknown', reason: `the standard build failed: ${HOSTILE}` }],
    reportDir: '/store/verify/run',
    historyPath: '/store/verify/run.json',
  };
}

describe('renderSummary', () => {
  it('reads like guix challenge: what differs and why, then counts with percentages', () => {
    const text = renderSummary(result());

    expect(text).toContain('fx-umask 1.0 contents differ:\n');
    expect(text).toContain(`  standard build     sha256 ${A}\n`);
    expect(text).toContain(`  under variations   sha256 ${B}\n`);
    expect(text).toContain('  differing files (content):\n    fx/<script>');
    expect(text).toContain('  culprit: umask\n    umask: files the build writes get their mode from the umask');
    expect(text).toContain('  leaked build path into fx/x.pyc\n');
    expect(text).toContain('  history: reproducible on 2026-11-20, differs since 2026-11-21\n');
    expect(text).toContain('3 packages were verified under 2 variations (umask, time):\n');
    expect(text).toContain('  - 1 (33.3%) were identical\n  - 1 (33.3%) differed (1 not reproducible, 0 only from the pin)\n  - 1 (33.3%) failed to build\n  - 0 (0.0%) were inconclusive\n');
    expect(text).toContain('report: /store/verify/run/index.html');
  });

  it('counts archive-metadata differences by kind and shows the first ones', () => {
    const r = result();
    const pkg = r.packages[1] as PackageVerification;
    pkg.diff = {
      ...(pkg.diff as NonNullable<PackageVerification['diff']>),
      classification: 'archive-metadata-only',
      differingFiles: [],
      details: [],
      differences: ['a', 'b', 'c', 'd'].map((f) => ({ entry: `fx/${f}.py`, kind: 'mode' as const, class: 'archive-metadata' as const, left: '0o100644', right: '0o100664' })),
    };

    const text = renderSummary(r);

    expect(text).toContain('  archive metadata differs: mode of 4 entries\n    fx/a.py: mode 0o100644 → 0o100664\n');
    expect(text).toContain('    … 1 more\n');
    expect(text).not.toContain('differing files');
  });

  it('never lets build output drive the terminal', () => {
    const text = renderSummary(result());

    expect(text).not.toMatch(/[\u001b\u202e]/);
    expect(text).toContain('\\u001b[31m');
    expect(printable('a\u0007b\u2066c')).toBe('a\\u0007b\\u2066c');
  });
});

describe('renderHtml', () => {
  it('escapes every hostile string and carries no script', () => {
    const html = renderHtml(result());

    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\u202e\\u001b[31m');
    expect(html).toContain('<span class="add">+&lt;img src=x onerror=alert(2)&gt;</span>');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none';`);
  });

  it('has a row per package, a section for each that did not verify, and the regression line', () => {
    const html = renderHtml(result());

    expect(html.match(/<tr class="\w+" data-package=/g)).toHaveLength(3);
    expect(html).toContain('<section id="pkg-fx-umask" class="package">');
    expect(html).toContain('<section id="pkg-fx-broken" class="package">');
    expect(html).not.toContain('id="pkg-fx-ok"');
    expect(html).toContain('History: reproducible on 2026-11-20, differs since 2026-11-21');
    expect(html).toContain('<a href="builds/fx-umask-1.0/control/fx_umask-1.0-py3-none-any.whl">wheel</a>');
  });
});

describe('html helpers', () => {
  it('escapes markup and quotes for text and attributes', () => {
    const escaped = esc(`<a href="x" onclick='y'>&`);

    expect(escaped).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;');
  });

  it('links only plain relative paths', () => {
    const links = [fileLink('builds/a/b.whl', 'wheel'), fileLink('../../etc/passwd', 'x'), fileLink('javascript:alert(1)', 'y'), fileLink('/abs', 'z')];

    expect(links).toEqual(['<a href="builds/a/b.whl">wheel</a>', 'x', 'y', 'z']);
  });
});
