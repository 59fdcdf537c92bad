import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/verify/report-html.js';
import type { PackageVerification, VerifyResult } from '../../src/verify/types.js';
import { makeSentinels } from '../../src/verify/variations.js';
import { verifyLock } from '../../src/pipeline/verify-lock.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { chromium } from '../helpers/chromium.js';
import { tempDir } from '../helpers/tmp.js';
import { builderRootfs, engine } from './harness.js';
import { createEngine } from '../../src/engine/index.js';

const HOSTILE = `"><script>document.title='pwned'</script><img src=x onerror="document.title='pwned'">\u202e`;

function pkg(name: string, status: PackageVerification['status']): PackageVerification {
  return { name, version: '1.0', key: name, sdist: { file: `${name}-1.0.tar.gz`, sha256: 'a'.repeat(64) }, status, reproducible: status === 'identical', pin: 'match', culprits: [], reason: `because ${HOSTILE}`, builds: [], leaks: [] };
}

function hostileResult(reportDir: string): VerifyResult {
  const packages = [pkg('fx-one', 'identical'), { ...pkg('fx-two', 'differed'), culprits: ['umask' as const] }, pkg('fx-three', 'failed')];
  const two = packages[1] as PackageVerification;
  two.diff = {
    left: { label: 'control', file: 'fx_two-1.0-py3-none-any.whl', sha256: 'a'.repeat(64) },
    right: { label: 'variations', file: 'fx_two-1.0-py3-none-any.whl', sha256: 'b'.repeat(64) },
    classification: 'content',
    differences: [{ entry: `fx/${HOSTILE}`, kind: 'content', class: 'content', left: HOSTILE, right: 'x' }],
    differingFiles: [`fx/${HOSTILE}`],
    details: [{ entry: `fx/${HOSTILE}`, type: 'text', textDiff: ['@@ -1 +1 @@', `-${HOSTILE}`, '+</pre><script>document.title="pwned"</script>'] }],
    truncated: false,
  };
  return {
    format: 'hbuild-verify/1',
    startedAt: '2026-11-21T03:00:00.000Z',
    finishedAt: '2026-11-21T03:01:00.000Z',
    seconds: 60,
    hbuildVersion: '0.1.0',
    lock: { path: `/tmp/${HOSTILE}/lock.yaml`, sha256: 'c'.repeat(64) },
    builder: { image: 'default', rootfs: `sha256:${'d'.repeat(64)}`, imageId: 'sha256:1' },
    sourceDateEpoch: 1700000000,
    variations: ['umask', 'time'],
    sentinels: makeSentinels(),
    outcome: 'not-reproducible',
    summary: { total: 3, identical: 1, differed: 1, failed: 1, inconclusive: 0, notReproducible: 1, pinMismatch: 0, unpinned: 0 },
    packages,
    reportDir,
    historyPath: join(reportDir, 'h.json'),
  };
}

describe('the HTML report in a real browser', () => {
  let rootfs: string;

  beforeAll(async () => {
    rootfs = await builderRootfs(await engine());
  });

  it('renders hostile names and diffs as text: every package row is there and no injected element exists', async () => {
    const dir = await tempDir('verify-html');
    const page = join(dir, 'index.html');
    await writeFile(page, renderHtml(hostileResult(dir)));

    const dom = await chromium(dir, ['--dump-dom', pathToFileURL(page).href]);
    const png = join(dir, 'shot.png');
    await chromium(dir, [`--screenshot=${png}`, '--window-size=1200,1600', pathToFileURL(page).href]);

    expect(dom.match(/<tr class="\w+" data-package="fx-(one|two|three)" data-status="(identical|differed|failed)">/g)).toHaveLength(3);
    expect(dom).toContain('<title>hbuild verify: not-reproducible</title>');
    expect(dom).not.toMatch(/<script|<img|<[a-z0-9]+(\s+[a-z-]+(="[^"]*")?)*\s+onerror=/i);
    expect(dom).toContain('&lt;script&gt;document.title=\'pwned\'&lt;/script&gt;');
    expect(dom).toContain('<code class="differing-file">fx/"&gt;&lt;script&gt;');
    const image = await readFile(png);
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    expect(image.length).toBeGreaterThan(20_000);
  });

  it('shows a real verification\'s report, hostile build output included, as the build wrote it', async () => {
    const dir = await tempDir('verify-html-real');
    const hook = `import os\nreport("random", ${JSON.stringify(HOSTILE)} + os.urandom(8).hex())\n`;
    const sdist = await writeFixtureSdist(dir, { name: 'fx-vhtml', version: '1.0', hook });
    await mkdir(join(dir, 'report'));
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const result = await verifyLock({
      lockPath: join(dir, 'lock.yaml'),
      storeRoot: join(dir, 'store'),
      reportDir: join(dir, 'report'),
      variations: 'umask',
      // The hook prints hostile text on purpose; vetting would rightly refuse to rebuild it.
      vet: 'report',
      sdistDirs: [],
      engine: createEngine(),
      log: pino({ level: 'silent' }),
      emit: () => undefined,
      signal: new AbortController().signal,
    });

    const dom = await chromium(dir, ['--dump-dom', pathToFileURL(join(result.reportDir, 'index.html')).href]);

    expect(result.outcome).toBe('not-reproducible');
    expect(dom).toContain('<tr class="differed" data-package="fx-vhtml" data-status="differed">');
    expect(dom).toContain('<code class="differing-file">fx_vhtml/_probe/random.txt</code>');
    expect(dom).toMatch(/<span class="del">-"&gt;&lt;script&gt;document\.title='pwned'&lt;\/script&gt;&lt;img src=x onerror="document\.title='pwned'"&gt;\\u202e[0-9a-f]{16}<\/span>/);
    expect(dom).not.toMatch(/<script|<img/i);
    expect((await stat(join(result.reportDir, 'verify.json'))).size).toBeGreaterThan(1000);
  });
});
