import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/verify/report-html.js';
import type { PackageVerification, VerifyResult } from '../../src/verify/types.js';
import { makeSentinels } from '../../src/verify/variations.js';
import { evaluateInPage } from '../helpers/chromium.js';
import { tempDir } from '../helpers/tmp.js';

/** Strings with no place to break a line, as a hostile or merely unlucky package gives them. */
const UNBROKEN = 'n'.repeat(600);
const HASH = 'e3b0c44298fc1c14'.repeat(24);
const HOSTILE = `"><script>document.title='pwned'</script>\u202e${'\u00a0'.repeat(3)}${'word\u00a0'.repeat(150)}${'🙂'.repeat(200)}${'\u200b'.repeat(100)}`;
const WIDE_LINE = `-${'x = 1; '.repeat(5)}${'y'.repeat(3000)}`;

function longPackage(n: number, status: PackageVerification['status']): PackageVerification {
  const name = `fx-${n}-${UNBROKEN}`;
  const wheel = `fx_${n}_${UNBROKEN}-1.0-py3-none-any.whl`;
  return {
    name,
    version: `1.0.post${'9'.repeat(300)}`,
    key: `fx-${n}`,
    sdist: { file: `${name}-1.0.tar.gz`, sha256: HASH },
    status,
    reproducible: false,
    pin: 'mismatch',
    pinned: { file: wheel, sha256: HASH },
    culprits: ['umask', 'time'],
    reason: `because ${HOSTILE}${UNBROKEN}`,
    builds: [
      { label: `control-${UNBROKEN}`, variations: [], wheel: { file: wheel, sha256: HASH, size: 1 }, seconds: 1.5 },
      {
        label: 'only-umask',
        variations: ['umask'],
        error: { code: 'ERR_BUILD_FAILED', message: `failed ${UNBROKEN}`, logTail: `${WIDE_LINE}\n${HOSTILE}` },
        seconds: 123456789.123456789,
        differs: { classification: 'content', files: [`pkg/${UNBROKEN}.py`, `pkg/${UNBROKEN}.so`], kinds: ['content'] },
      },
    ],
    leaks: [{ kind: 'path', value: `/tmp/${UNBROKEN}`, entry: `pkg/${UNBROKEN}.txt`, where: 'content' }],
    history: { state: 'regressed', message: `reproducible on ${UNBROKEN}` },
    diff: {
      left: { label: `control-${UNBROKEN}`, file: wheel, sha256: HASH },
      right: { label: 'variations', file: wheel, sha256: HASH },
      classification: 'content',
      differences: [
        { entry: `pkg/${UNBROKEN}.py`, kind: 'content', class: 'content', left: HASH, right: `${HOSTILE}${UNBROKEN}` },
        { entry: `${'dir/'.repeat(150)}f.py`, kind: 'mode', class: 'archive-metadata', left: UNBROKEN, right: UNBROKEN },
      ],
      differingFiles: [`pkg/${UNBROKEN}.py`, `${'dir/'.repeat(150)}f.py`],
      details: [{ entry: `pkg/${UNBROKEN}.py`, type: 'text', note: `note ${UNBROKEN}`, textDiff: ['@@ -1 +1 @@', WIDE_LINE, `+${HOSTILE}${UNBROKEN}`] }],
      entryOrder: { left: [`pkg/${UNBROKEN}`], right: [UNBROKEN] },
      truncated: true,
    },
  };
}

function longResult(reportDir: string): VerifyResult {
  return {
    format: 'hbuild-verify/1',
    startedAt: '2026-11-21T03:00:00.000Z',
    finishedAt: '2026-11-21T03:01:00.000Z',
    seconds: 60,
    hbuildVersion: '0.1.0',
    lock: { path: `/srv/${UNBROKEN}/${HOSTILE}/lock.yaml`, sha256: HASH },
    builder: { image: `img-${UNBROKEN}`, rootfs: `sha256:${HASH}`, imageId: 'sha256:1' },
    sourceDateEpoch: 1700000000,
    variations: ['umask', 'time', 'timezone', 'locale'],
    sentinels: makeSentinels(),
    outcome: 'not-reproducible',
    summary: { total: 3, identical: 1, differed: 1, failed: 1, inconclusive: 0, notReproducible: 1, pinMismatch: 0, unpinned: 0 },
    packages: [{ ...longPackage(1, 'identical'), builds: [], diff: undefined }, longPackage(2, 'differed'), longPackage(3, 'failed')],
    reportDir,
    historyPath: join(reportDir, 'h.json'),
  };
}

/**
 * Measured in the page: how wide the document is against its viewport, and which elements stick out
 * past the viewport without a scrolling box of their own around them (so the page itself must scroll).
 */
const MEASURE = `(() => {
  const root = document.documentElement;
  const viewport = root.clientWidth;
  const scrolls = (e) => getComputedStyle(e).overflowX !== 'visible';
  const insideScroller = (e) => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) if (scrolls(p)) return true; return false; };
  const widest = [...document.body.querySelectorAll('*')]
    .filter((e) => e.getBoundingClientRect().right > viewport + 0.5 && !insideScroller(e))
    .map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ' right=' + Math.round(e.getBoundingClientRect().right))
    .slice(0, 12);
  const diff = document.querySelector('pre.diff');
  return {
    viewport,
    scrollWidth: root.scrollWidth,
    widest,
    diffScrollsInItsBox: diff ? diff.scrollWidth > diff.clientWidth && getComputedStyle(diff).overflowX === 'auto' : false,
    packageRows: document.querySelectorAll('tr[data-package]').length,
    textKept: document.body.innerText.includes(${JSON.stringify(UNBROKEN)}),
    title: document.title,
  };
})()`;

describe('the HTML report in a 1280 px window', () => {
  it('keeps long names, hashes, diffs and hostile text inside their own boxes: the page never scrolls sideways', async () => {
    const dir = await tempDir('verify-html-layout');
    const page = join(dir, 'index.html');
    await writeFile(page, renderHtml(longResult(dir)));

    const measured = (await evaluateInPage(dir, pathToFileURL(page).href, MEASURE, { width: 1280, height: 900 })) as Record<string, unknown>;

    expect(measured).toMatchObject({ packageRows: 3, textKept: true, title: 'hbuild verify: not-reproducible', diffScrollsInItsBox: true });
    expect(measured.viewport).toBeGreaterThan(1200);
    expect({ scrollWidth: measured.scrollWidth, widest: measured.widest }).toEqual({ scrollWidth: measured.viewport, widest: [] });
  });
});
