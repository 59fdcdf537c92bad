import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { BIN } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';
import { startTerminal, type Terminal } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait.js';
import { builderRootfs, engine } from './harness.js';

const WIDTH = 64;

/** Poll the screen until `pattern` shows; the screen that showed it. */
async function screenWith(terminal: Terminal, pattern: RegExp, ms = 120_000): Promise<string> {
  let screen = '';
  await waitFor(async () => pattern.test((screen = await terminal.capture())), ms, 150);
  return screen;
}

function widest(screen: string): number {
  return Math.max(...screen.split('\n').map((line) => [...line.trimEnd()].length));
}

describe('hbuild build in a real terminal (tmux)', () => {
  let rootfs: string;

  beforeAll(async () => {
    rootfs = await builderRootfs(await engine());
  });

  it('shows a header with counts and time, what a package waits for, and a final summary that stays, cut to the terminal width', async () => {
    const dir = await tempDir('live-view');
    const base = await writeFixtureSdist(dir, { name: 'fx-live-base', version: '1.0', hook: 'import time\ntime.sleep(5)\n' });
    const app = await writeFixtureSdist(dir, { name: 'fx-live-app', version: '1.0', requires: ['fx-live-base'] });
    const other = await writeFixtureSdist(dir, { name: 'fx-live-other', version: '1.0' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [base, { ...app, buildRequires: ['fx-live-base'] }, other]));
    const command = `node ${BIN} build ${join(dir, 'lock.yaml')} --store ${join(dir, 'store')} --out ${join(dir, 'wh')} --record --jobs 2`;

    const terminal = await startTerminal(command, { width: WIDTH, height: 20 });
    const live = await screenWith(terminal, /fx-live-base 1\.0\s+building.*\n.*fx-live-app 1\.0\s+waiting/);
    const final = await screenWith(terminal, /EXIT=\d+/);

    expect(live).toMatch(/^hbuild build: [0-3]\/3 done · [0-3] running · 1 waiting · 0 cached · 0 f/m);
    expect(live).toMatch(/fx-live-app 1\.0\s+waiting\s+\d+\.\ds\s+for fx-live-base/);
    expect(live).toMatch(/▸ fx-live-base 1\.0\s+building\s+\d+\.\ds/);
    expect(live).not.toMatch(/fx-live-app.*vet/);
    expect(widest(live)).toBeLessThanOrEqual(WIDTH);
    expect(final).toContain('EXIT=0');
    expect(final).toMatch(/^hbuild build: 3\/3 done · 0 running · 0 cached · 0 failed · \d/m);
    for (const name of ['fx-live-base', 'fx-live-app', 'fx-live-other']) expect(final).toMatch(new RegExp(`✓ ${name} 1\\.0\\s+built\\s+\\d+(\\.\\d)?s`));
    expect(final).toMatch(/^hbuild: done: 3 built, 0 cached in \d/m);
    expect(final).not.toContain('waiting');
    expect(widest(final.slice(0, final.indexOf('hbuild: done')))).toBeLessThanOrEqual(WIDTH);
  });

  it('on Ctrl-C says cancelled, for the package and the run, and exits 130', async () => {
    const dir = await tempDir('live-cancel');
    const slow = await writeFixtureSdist(dir, { name: 'fx-live-slow', version: '1.0', hook: 'import time\ntime.sleep(10**6)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [slow]));
    const command = `node ${BIN} build ${join(dir, 'lock.yaml')} --store ${join(dir, 'store')} --out ${join(dir, 'wh')} --record`;
    const terminal = await startTerminal(command, { width: 100, height: 20 });
    await screenWith(terminal, /fx-live-slow 1\.0\s+building\s+\d/);

    await terminal.keys('C-c');
    const final = await screenWith(terminal, /EXIT=\d+/);

    expect(final).toContain('EXIT=130');
    expect(final).toMatch(/– fx-live-slow 1\.0\s+cancelled/);
    expect(final).toMatch(/^hbuild: cancelled: 0 built, 0 cached, 1 cancelled in \d/m);
    expect(final).not.toMatch(/failed:/);
  });
});
