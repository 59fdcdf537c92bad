import type { BuildOutcome, PackageVerification, PinState, VerifyOutcome, VerifyStatus, VerifySummary } from './types.js';
import type { VariationName } from './variations.js';

export interface JudgeInput {
  pinned?: { file: string; sha256: string };
  variations: readonly VariationName[];
  control: BuildOutcome;
  varied: BuildOutcome;
  /** A second standard build, made only when the varied one differs. */
  repeat?: BuildOutcome;
  /** One build per variation, made only when the varied one differs or fails. */
  singles: readonly BuildOutcome[];
}

export interface Judgement {
  status: VerifyStatus;
  reproducible: boolean | null;
  pin: PinState;
  nondeterministic?: boolean;
  culprits: VariationName[];
  reason: string;
}

/** The verdict on one package from its builds. Pure. */
export function judgeBuilds(input: JudgeInput): Judgement {
  const { control, varied, pinned } = input;
  if (!control.wheel) {
    return { status: 'failed', reproducible: null, pin: 'unknown', culprits: [], reason: `the standard build failed: ${control.error?.message ?? 'no wheel'}` };
  }
  const pin: PinState = !pinned ? 'unpinned' : sameWheel(control.wheel, pinned) ? 'match' : 'mismatch';
  if (!varied.wheel) {
    const culprits = input.variations.length === 1 && input.singles.length === 0 ? [...input.variations] : input.singles.filter((s) => !s.wheel).flatMap((s) => s.variations);
    const blame = culprits.length > 0 ? ` (${culprits.join(', ')} alone ${culprits.length === 1 ? 'breaks' : 'break'} it)` : '';
    return { status: 'failed', reproducible: null, pin, culprits, reason: `the build under variations failed${blame}: ${varied.error?.message ?? 'no wheel'}` };
  }
  if (sameWheel(control.wheel, varied.wheel)) {
    if (pin === 'mismatch') {
      return {
        status: 'differed',
        reproducible: true,
        pin,
        culprits: [],
        reason: `the builds agree with each other but not with the pin: expected sha256 ${pinned?.sha256}, built ${control.wheel.sha256}`,
      };
    }
    return { status: 'identical', reproducible: true, pin, culprits: [], reason: pin === 'match' ? 'identical under every variation and equal to the pin' : 'identical under every variation; the lock pins no wheel to compare with' };
  }
  if (input.repeat?.wheel && !sameWheel(input.repeat.wheel, control.wheel)) {
    return { status: 'differed', reproducible: false, pin, nondeterministic: true, culprits: [], reason: 'two standard builds under identical conditions differ: the build is not deterministic, whatever the variation' };
  }
  const culprits = input.variations.length === 1 && input.singles.length === 0 ? [...input.variations] : culpritsOf(input.singles, control.wheel);
  const reason =
    culprits.length > 0
      ? `the output changes under ${culprits.join(', ')}`
      : 'no single variation changes the output on its own; it takes a combination of them';
  return { status: 'differed', reproducible: false, pin, culprits, reason };
}

function culpritsOf(singles: readonly BuildOutcome[], control: { file: string; sha256: string }): VariationName[] {
  return singles.filter((s) => !s.wheel || !sameWheel(s.wheel, control)).flatMap((s) => s.variations);
}

export function sameWheel(a: { file: string; sha256: string }, b: { file: string; sha256: string }): boolean {
  return a.sha256 === b.sha256 && a.file === b.file;
}

export function summarise(packages: readonly PackageVerification[]): VerifySummary {
  const count = (status: VerifyStatus): number => packages.filter((p) => p.status === status).length;
  return {
    total: packages.length,
    identical: count('identical'),
    differed: count('differed'),
    failed: count('failed'),
    inconclusive: count('inconclusive'),
    notReproducible: packages.filter((p) => p.status === 'differed' && p.reproducible === false).length,
    pinMismatch: packages.filter((p) => p.status === 'differed' && p.reproducible === true).length,
    unpinned: packages.filter((p) => p.pin === 'unpinned').length,
  };
}

/** The run's verdict, most serious first: not reproducible, pin mismatch, build failure, inconclusive. */
export function overallOutcome(summary: VerifySummary): VerifyOutcome {
  if (summary.notReproducible > 0) return 'not-reproducible';
  if (summary.pinMismatch > 0) return 'pin-mismatch';
  if (summary.failed > 0) return 'build-failed';
  if (summary.inconclusive > 0) return 'inconclusive';
  return 'reproducible';
}
