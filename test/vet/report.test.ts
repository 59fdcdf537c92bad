import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { renderVetText } from '../../src/vet/report-text.js';
import { RULES } from '../../src/vet/rules.js';
import { renderSarif } from '../../src/vet/sarif.js';
import type { VettedPackage } from '../../src/vet/types.js';
import { vetSdist } from '../../src/vet/vet-sdist.js';
import { NAME, VERSION, py, writeVetSdist } from '../fixtures/vet/sdists.js';

const NOW = new Date('2025-06-15T12:00:00Z');

/** The SARIF 2.1.0 schema as @microsoft/sarif-matcher-utils ships it (draft-04; its `id` is the only draft-04-only keyword used). */
function sarifValidator() {
  const require = createRequire(import.meta.url);
  const path = require.resolve('@microsoft/sarif-matcher-utils/lib/schemas/sarif-2.1.0-rtm.5.json');
  const { $schema: _draft, id: _id, ...schema } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  // The schema's language pattern has a stray ']' that is only legal without the u flag.
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
  addFormats(ajv);
  return ajv.compile(schema);
}

async function vetted(): Promise<VettedPackage[]> {
  const bad = await writeVetSdist({ 'demo-init.pth': 'import os; os.system("id")\n', 'setup.py': py('import subprocess', 'subprocess.call(["make"])') });
  const young = await writeVetSdist({}, { name: 'young-pkg' });
  const badResult = await vetSdist(bad.path, { name: NAME, version: VERSION, sha256: bad.sha256, uploadTime: '2025-01-01T00:00:00Z' }, { now: NOW });
  const youngResult = await vetSdist(young.path, { name: 'young-pkg', version: VERSION, sha256: young.sha256, uploadTime: '2025-06-14T00:00:00Z' }, { now: NOW });
  return [
    { name: NAME, version: VERSION, file: `${NAME}-${VERSION}.tar.gz`, sha256: bad.sha256, result: badResult },
    { name: 'young-pkg', version: VERSION, file: `young-pkg-${VERSION}.tar.gz`, sha256: young.sha256, result: youngResult },
  ];
}

describe('renderSarif', () => {
  it('is valid SARIF 2.1.0 by the official schema', async () => {
    const validate = sarifValidator();

    const log = renderSarif(await vetted());

    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('is checked by a validator that does reject malformed SARIF', async () => {
    const validate = sarifValidator();
    const log = renderSarif(await vetted()) as { runs: Array<{ results: Array<Record<string, unknown>> }> };

    log.runs[0]!.results[0]!.level = 'fatal';

    expect(validate(log)).toBe(false);
  });

  it('lists the rules and locates each result in <sdist>/<path> with a line and fingerprint', async () => {
    const log = renderSarif(await vetted()) as { runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<Record<string, any>> }> };

    const run = log.runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(RULES.map((r) => r.id));
    const pth = run.results.find((r) => r.ruleId === 'HB107')!;
    expect(pth.level).toBe('error');
    expect(pth.locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: 'demo-pkg-1.0.0.tar.gz/demo-init.pth' }, region: { startLine: 1 } });
    expect(pth.partialFingerprints['hbuildFinding/v1']).toMatch(/^[0-9a-f]{64}$/);
    expect(run.results.find((r) => r.ruleId === 'HB102')?.level).toBe('warning');
    expect(run.results.find((r) => r.ruleId === 'HB100')?.message.text).toContain('young-pkg 1.0.0: released 2025-06-14');
  });
});

describe('renderVetText', () => {
  it('summarises verdicts and shows each finding with its excerpt', async () => {
    const text = renderVetText(await vetted());

    expect(text).toContain('✗ demo-pkg 1.0.0 (demo-pkg-1.0.0.tar.gz): block (1 block, 1 warn)');
    expect(text).toContain('HB107 pth-exec  demo-init.pth:1');
    expect(text).toContain('| import os; os.system("id")');
    expect(text).toContain('⏸ young-pkg 1.0.0');
    expect(text).toMatch(/vetted 2 sdists \(rule set 1\): 1 pass, 0 warn, 1 block, 1 held\n$/);
  });
});
