import { describe, expect, it } from 'vitest';
import { judgeBuilds, overallOutcome, summarise, type JudgeInput } from '../../src/verify/compare-builds.js';
import type { BuildOutcome, PackageVerification } from '../../src/verify/types.js';
import type { VariationName } from '../../src/verify/variations.js';

const FILE = 'fx-1.0-py3-none-any.whl';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);

function ok(label: string, sha256: string, variations: VariationName[] = []): BuildOutcome {
  return { label, variations, wheel: { file: FILE, sha256, size: 1 }, seconds: 1 };
}

function failed(label: string, variations: VariationName[] = []): BuildOutcome {
  return { label, variations, error: { code: 'ERR_BUILD_FAILED', message: 'build exited with status 1' }, seconds: 1 };
}

function input(parts: Partial<JudgeInput>): JudgeInput {
  return { variations: ['umask', 'time'], control: ok('control', A), varied: ok('variations', A, ['umask', 'time']), singles: [], ...parts };
}

describe('judgeBuilds', () => {
  it('calls equal builds that equal the pin identical', () => {
    const judgement = judgeBuilds(input({ pinned: { file: FILE, sha256: A } }));

    expect(judgement).toMatchObject({ status: 'identical', reproducible: true, pin: 'match', culprits: [] });
  });

  it('calls equal builds without a pin identical and says so', () => {
    const judgement = judgeBuilds(input({}));

    expect(judgement).toMatchObject({ status: 'identical', pin: 'unpinned' });
    expect(judgement.reason).toContain('pins no wheel');
  });

  it('calls builds that agree with each other but not with the pin a pin mismatch', () => {
    const judgement = judgeBuilds(input({ pinned: { file: FILE, sha256: B } }));

    expect(judgement).toMatchObject({ status: 'differed', reproducible: true, pin: 'mismatch' });
    expect(judgement.reason).toContain(B);
  });

  it('blames the variations whose single build differs from the standard one', () => {
    const judgement = judgeBuilds(input({ varied: ok('variations', B), repeat: ok('control-repeat', A), singles: [ok('only-umask', C, ['umask']), ok('only-time', A, ['time'])] }));

    expect(judgement).toMatchObject({ status: 'differed', reproducible: false, culprits: ['umask'] });
  });

  it('calls a build whose two standard runs differ not deterministic, blaming no variation', () => {
    const judgement = judgeBuilds(input({ varied: ok('variations', B), repeat: ok('control-repeat', C) }));

    expect(judgement).toMatchObject({ status: 'differed', nondeterministic: true, culprits: [] });
  });

  it('blames the only variation without rebuilding', () => {
    const judgement = judgeBuilds(input({ variations: ['umask'], varied: ok('variations', B, ['umask']), repeat: ok('control-repeat', A) }));

    expect(judgement.culprits).toEqual(['umask']);
  });

  it('says when only a combination of variations changes the output', () => {
    const judgement = judgeBuilds(input({ varied: ok('variations', B), repeat: ok('control-repeat', A), singles: [ok('only-umask', A, ['umask']), ok('only-time', A, ['time'])] }));

    expect(judgement.culprits).toEqual([]);
    expect(judgement.reason).toContain('combination');
  });

  it('fails when the standard build fails', () => {
    const judgement = judgeBuilds(input({ control: failed('control') }));

    expect(judgement).toMatchObject({ status: 'failed', reproducible: null, pin: 'unknown' });
    expect(judgement.reason).toContain('status 1');
  });

  it('fails when the build under variations fails, naming the variation that breaks it', () => {
    const judgement = judgeBuilds(input({ varied: failed('variations'), singles: [failed('only-umask', ['umask']), ok('only-time', A, ['time'])] }));

    expect(judgement).toMatchObject({ status: 'failed', culprits: ['umask'] });
    expect(judgement.reason).toContain('umask alone breaks it');
  });
});

function pkg(status: PackageVerification['status'], reproducible: boolean | null, pin: PackageVerification['pin'] = 'match'): PackageVerification {
  return { name: 'x', version: '1', key: 'x', sdist: { file: 'x-1.tar.gz', sha256: A }, status, reproducible, pin, culprits: [], reason: '', builds: [], leaks: [] };
}

describe('summarise and overallOutcome', () => {
  it('counts guix-challenge categories and splits what differed', () => {
    const summary = summarise([pkg('identical', true), pkg('identical', true, 'unpinned'), pkg('differed', false), pkg('differed', true, 'mismatch'), pkg('failed', null), pkg('inconclusive', null)]);

    expect(summary).toEqual({ total: 6, identical: 2, differed: 2, failed: 1, inconclusive: 1, notReproducible: 1, pinMismatch: 1, unpinned: 1 });
  });

  it.each([
    [[pkg('identical', true)], 'reproducible'],
    [[pkg('identical', true), pkg('inconclusive', null)], 'inconclusive'],
    [[pkg('failed', null), pkg('inconclusive', null)], 'build-failed'],
    [[pkg('failed', null), pkg('differed', true, 'mismatch')], 'pin-mismatch'],
    [[pkg('differed', true, 'mismatch'), pkg('differed', false)], 'not-reproducible'],
  ] as const)('ranks the most serious finding first (%#)', (packages, outcome) => {
    const result = overallOutcome(summarise(packages));

    expect(result).toBe(outcome);
  });
});
