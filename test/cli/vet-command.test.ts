import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runVetCommand } from '../../src/cli/vet-command.js';
import { NAME, VERSION, py, writeVetSdist } from '../fixtures/vet/sdists.js';
import { captureOutput } from '../helpers/output.js';
import { tempDir } from '../helpers/tmp.js';

const ROOTFS = `sha256:${'d'.repeat(64)}`;

async function lockFor(files: Record<string, string>, uploadTime = '2020-01-01T00:00:00Z'): Promise<{ dir: string; lock: string; sha256: string }> {
  const dir = await tempDir('vet-cli');
  const sdist = await writeVetSdist(files);
  // Local sdists must lie inside the lock's folder.
  await copyFile(sdist.path, join(dir, `${NAME}-${VERSION}.tar.gz`));
  const lock = join(dir, 'lock.yaml');
  const text = [
    'version: 1',
    'builder:',
    '  image: default',
    `  rootfs: ${ROOTFS}`,
    'packages:',
    `  - name: ${NAME}`,
    `    version: "${VERSION}"`,
    '    sdist:',
    `      file: ${NAME}-${VERSION}.tar.gz`,
    `      sha256: ${sdist.sha256}`,
    `      upload-time: ${uploadTime}`,
    `      path: ${NAME}-${VERSION}.tar.gz`,
    '    build-requires: []',
    '',
  ].join('\n');
  await writeFile(lock, text);
  return { dir, lock, sha256: sdist.sha256 };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('runVetCommand', () => {
  it('exits 0 and prints the summary for a clean sdist', async () => {
    const { dir, lock } = await lockFor({ 'demo_pkg/__init__.py': py('X = 1') });
    const out = captureOutput();

    const code = await runVetCommand([lock, '--store', join(dir, 'store')], new AbortController().signal);

    expect(code).toBe(0);
    expect(out.stdout).toContain('✓ demo-pkg 1.0.0 (demo-pkg-1.0.0.tar.gz): pass');
  });

  it('exits 4 for a blocked sdist and writes JSON to --output', async () => {
    const { dir, lock } = await lockFor({ 'demo_pkg/__init__.py': py('import base64', 'exec(base64.b64decode("MQ=="))') });
    const output = join(dir, 'vet.json');
    captureOutput();

    const code = await runVetCommand([lock, '--store', join(dir, 'store'), '--format', 'json', '--output', output], new AbortController().signal);

    expect(code).toBe(4);
    const report = JSON.parse(await readFile(output, 'utf8')) as Array<{ result: { verdict: string; findings: Array<{ rule: string }> } }>;
    expect(report[0]?.result.verdict).toBe('block');
    expect(report[0]?.result.findings.map((f) => f.rule)).toContain('HB103');
  });

  it('exits 4 for a held sdist and 0 once --min-age 0 turns the quarantine off', async () => {
    const { dir, lock } = await lockFor({}, new Date().toISOString());
    captureOutput();

    const held = await runVetCommand([lock, '--store', join(dir, 'store')], new AbortController().signal);
    const off = await runVetCommand([lock, '--store', join(dir, 'store'), '--min-age', '0'], new AbortController().signal);

    expect(held).toBe(4);
    expect(off).toBe(0);
  });

  it('applies an exceptions file and prints SARIF', async () => {
    const { dir, lock, sha256 } = await lockFor({ 'demo-init.pth': 'import os\n' });
    const exceptions = join(dir, 'exceptions.yaml');
    await writeFile(exceptions, `vet:\n  exceptions:\n    - rule: HB107\n      file: demo-init.pth\n      sdist-sha256: ${sha256}\n      reason: reviewed, sets one variable\n      expires: "2999-01-01"\n`);
    const out = captureOutput();

    const code = await runVetCommand([lock, '--store', join(dir, 'store'), '--exceptions', exceptions, '--format', 'sarif'], new AbortController().signal);

    expect(code).toBe(0);
    const sarif = JSON.parse(out.stdout) as { runs: Array<{ results: Array<{ ruleId: string; level: string; suppressions?: unknown[] }> }> };
    expect(sarif.runs[0]?.results[0]).toMatchObject({ ruleId: 'HB107', level: 'note', suppressions: [expect.objectContaining({ kind: 'external' })] });
  });

  it('refuses an unknown format as a usage error', async () => {
    const { lock } = await lockFor({});

    const attempt = runVetCommand([lock, '--format', 'xml'], new AbortController().signal);

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});
