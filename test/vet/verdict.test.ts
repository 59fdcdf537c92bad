import { describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import type { RawFinding } from '../../src/vet/finding.js';
import { parseVetExceptions, type VetException } from '../../src/vet/schema.js';
import type { VetResult } from '../../src/vet/types.js';
import { applyExceptions, assertVetAccepted, findingsDigest, quarantine, verdictOf } from '../../src/vet/verdict.js';
import { vetSdist } from '../../src/vet/vet-sdist.js';
import { NAME, VERSION, writeVetSdist } from '../fixtures/vet/sdists.js';

const SHA = 'a'.repeat(64);
const NOW = new Date('2025-06-15T12:00:00Z');
const PTH: RawFinding = { rule: 'HB107', severity: 'block', file: 'x.pth', line: 1, excerpt: 'import os', message: '.pth line runs code' };

function exception(overrides: Partial<VetException> = {}): VetException {
  return { rule: 'HB107', file: 'x.pth', 'sdist-sha256': SHA, reason: 'reviewed: sets an env var only', expires: '2025-12-31', ...overrides };
}

describe('applyExceptions', () => {
  it('allows a finding whose exception matches rule, file and sha256', () => {
    const findings = applyExceptions([PTH], SHA, [exception()], NOW);

    expect(findings[0]).toMatchObject({ severity: 'allowed', ruleSeverity: 'block', exception: { status: 'applied' } });
    expect(verdictOf(findings)).toBe('pass');
  });

  it('blocks again when the exception has expired, and says so', () => {
    const findings = applyExceptions([PTH], SHA, [exception({ expires: '2025-06-15' })], NOW);

    expect(findings[0]).toMatchObject({ severity: 'block', exception: { status: 'expired', note: 'the exception expired on 2025-06-15' } });
    expect(verdictOf(findings)).toBe('block');
  });

  it('blocks again when the exception was reviewed for other bytes', () => {
    const findings = applyExceptions([PTH], SHA, [exception({ 'sdist-sha256': 'b'.repeat(64) })], NOW);

    expect(findings[0]?.severity).toBe('block');
    expect(findings[0]?.exception?.note).toContain(`not this one (${SHA})`);
  });

  it('ignores exceptions for another rule or file', () => {
    const findings = applyExceptions([PTH], SHA, [exception({ rule: 'HB101' }), exception({ file: 'y.pth' })], NOW);

    expect(findings[0]).toEqual({ ...PTH, ruleSeverity: 'block' });
  });
});

describe('parseVetExceptions', () => {
  it('accepts a well-formed list (and a YAML 1.1 date object)', () => {
    const raw = [{ ...exception(), expires: new Date('2025-12-31T00:00:00Z') }];

    const parsed = parseVetExceptions(raw, 'recipes/demo.yaml');

    expect(parsed).toEqual([exception()]);
  });

  it('reports every problem at once, unknown keys included', () => {
    const raw = [{ rule: 'HB999', file: '../x', 'sdist-sha256': 'nope', reason: 'ok', expires: '2025-13-01', extra: 1 }];

    let error: unknown;
    try {
      parseVetExceptions(raw, 'recipes/demo.yaml');
    } catch (err) {
      error = err;
    }

    expect(isHbuildError(error, 'ERR_RECIPE_INVALID')).toBe(true);
    const problems = (error as { details: { problems: string[] } }).details.problems.join('\n');
    for (const field of ['[0].rule', '[0].file', '[0].sdist-sha256', '[0].reason', '[0].expires', 'extra']) expect(problems).toContain(field);
  });
});

describe('quarantine', () => {
  it('holds a release younger than the minimum age, showing when it was released', () => {
    const held = quarantine('2025-06-12T12:00:00Z', NOW, 7);

    expect(held).toMatchObject({ releasedAt: '2025-06-12T12:00:00.000Z', until: '2025-06-19T12:00:00.000Z' });
    expect(held?.message).toContain('3.0 days ago');
  });

  it('lets an old enough release through', () => {
    const held = quarantine('2025-06-01T00:00:00Z', NOW, 7);

    expect(held).toBeUndefined();
  });

  it('fails closed without an upload time', () => {
    const held = quarantine(undefined, NOW, 7);

    expect(held).toMatchObject({ releasedAt: null, until: null });
    expect(held?.message).toContain('age is unknown');
  });

  it('is off at a minimum age of 0 and lifted by an active exemption', () => {
    const off = quarantine(undefined, NOW, 0);
    const exempt = quarantine('2025-06-14T00:00:00Z', NOW, 7, { reason: 'security fix', expires: '2025-06-16' });
    const lapsed = quarantine('2025-06-14T00:00:00Z', NOW, 7, { reason: 'security fix', expires: '2025-06-15' });

    expect(off).toBeUndefined();
    expect(exempt).toBeUndefined();
    expect(lapsed?.message).toContain('exemption expired on 2025-06-15');
  });
});

describe('vetSdist verdicts', () => {
  it('holds a young sdist and refuses it in the pipeline gate', async () => {
    const sdist = await writeVetSdist({});

    const result = await vetSdist(sdist.path, { name: NAME, version: VERSION, sha256: sdist.sha256, uploadTime: '2025-06-14T00:00:00Z' }, { now: NOW });

    expect(result.verdict).toBe('pass');
    expect(result.held?.releasedAt).toBe('2025-06-14T00:00:00.000Z');
    expect(() => assertVetAccepted(result, { name: NAME, version: VERSION })).toThrow(/HB100 quarantine/);
  });

  it('allows an excepted finding for this sdist, and the digest records it', async () => {
    const sdist = await writeVetSdist({ 'demo-init.pth': 'import os\n' });
    const pkg = { name: NAME, version: VERSION, sha256: sdist.sha256, uploadTime: '2025-01-01T00:00:00Z' };

    const blocked = await vetSdist(sdist.path, pkg, { now: NOW });
    const allowed = await vetSdist(sdist.path, pkg, { now: NOW, exceptions: [exception({ file: 'demo-init.pth', 'sdist-sha256': sdist.sha256 })] });

    expect(blocked.verdict).toBe('block');
    expect(() => assertVetAccepted(blocked, pkg)).toThrow(expect.objectContaining({ code: 'ERR_VET_BLOCKED' }));
    expect(allowed.verdict).toBe('pass');
    expect(allowed.findings[0]?.severity).toBe('allowed');
    expect(allowed.findingsDigest).not.toBe(blocked.findingsDigest);
    expect(() => assertVetAccepted(allowed, pkg)).not.toThrow();
  });

  it('gives the same digest for the same findings', () => {
    const findings = applyExceptions([PTH], SHA, [], NOW);

    const digest = findingsDigest(findings);

    expect(digest).toBe(findingsDigest(applyExceptions([PTH], SHA, [], NOW)));
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('assertVetAccepted', () => {
  it('names each blocking finding with its file and line', () => {
    const result: VetResult = {
      ruleSetVersion: '1',
      verdict: 'block',
      findings: applyExceptions([PTH], SHA, [exception({ expires: '2025-01-01' })], NOW),
      findingsDigest: 'sha256:x',
      stats: { files: 1, textFiles: 1, bytes: 1, scannedBytes: 1 },
    };

    const attempt = (): void => assertVetAccepted(result, { name: NAME, version: VERSION });

    expect(attempt).toThrow(/HB107 x\.pth:1: \.pth line runs code \[the exception expired on 2025-01-01\]/);
  });
});
