import type { Sentinels, VariationName } from './variations.js';
import type { WheelDiff } from './diff-types.js';

/** One build of a verification: the control (standard) build or one with variations. */
export interface BuildOutcome {
  /** `control`, `control-repeat`, `variations` (all chosen at once) or `only-<variation>`. */
  label: string;
  variations: VariationName[];
  wheel?: { file: string; sha256: string; size: number };
  error?: { code: string; message: string; hint?: string; logTail?: string };
  seconds: number;
  /** Kept files, relative to the report directory (only for packages that did not verify). */
  kept?: { wheel?: string; log?: string };
  /** For a single-variation build that differs from the control: what differs, in short. */
  differs?: { classification: WheelDiff['classification']; files: string[]; kinds: string[] };
}

/**
 * guix-challenge categories: identical (every build and the pin agree),
 * differed (builds disagree, or agree with each other but not the pin),
 * failed (a build failed), inconclusive (could not be judged).
 */
export type VerifyStatus = 'identical' | 'differed' | 'failed' | 'inconclusive';
export type PinState = 'match' | 'mismatch' | 'unpinned' | 'unknown';

export interface SentinelLeak {
  kind: string;
  value: string;
  /** Wheel entry whose name or content holds the sentinel. */
  entry: string;
  where: 'name' | 'content';
}

export interface PackageHistory {
  state: 'first' | 'stable' | 'regressed' | 'still-differs' | 'fixed' | 'never-reproducible';
  /** Start time of the latest earlier run in which the package was identical. */
  lastIdentical?: string;
  /** Start time of the first run since then in which it differed. */
  differsSince?: string;
  /** One line for people: "reproducible on 2026-11-20, differs since 2026-11-21". */
  message: string;
}

export interface PackageVerification {
  /** The target it was rebuilt for, in a lock with several. */
  target?: string;
  name: string;
  version: string;
  key: string;
  sdist: { file: string; sha256: string };
  status: VerifyStatus;
  /** Control and all-variations builds produced the same bytes; null when not judged. */
  reproducible: boolean | null;
  pin: PinState;
  pinned?: { file: string; sha256: string };
  /** Builds under the very same conditions differed: the build is not deterministic at all. */
  nondeterministic?: boolean;
  /** Variations that alone change (or break) the build. */
  culprits: VariationName[];
  /** Human explanation of the verdict. */
  reason: string;
  builds: BuildOutcome[];
  /** Control against the all-variations build, when they differ. */
  diff?: WheelDiff;
  /** Pinned wheel (from the store) against the control build, when they differ. */
  pinDiff?: WheelDiff;
  leaks: SentinelLeak[];
  history?: PackageHistory;
}

export type VerifyOutcome = 'reproducible' | 'not-reproducible' | 'pin-mismatch' | 'build-failed' | 'inconclusive';

export interface VerifySummary {
  total: number;
  identical: number;
  differed: number;
  failed: number;
  inconclusive: number;
  /** Of `differed`: builds disagree among themselves. */
  notReproducible: number;
  /** Of `differed`: builds agree, but not with the pin. */
  pinMismatch: number;
  unpinned: number;
}

export interface VerifyResult {
  /** Format of this record. */
  format: 'hbuild-verify/1';
  startedAt: string;
  finishedAt: string;
  seconds: number;
  hbuildVersion: string;
  lock: { path: string; sha256: string };
  /** The first target's builder, in a lock with several (`targets` names each). */
  builder: { image: string; rootfs: string; imageId: string };
  targets?: Array<{ name: string; image: string; rootfs: string; imageId: string }>;
  sourceDateEpoch: number;
  variations: VariationName[];
  sentinels: Sentinels;
  outcome: VerifyOutcome;
  summary: VerifySummary;
  packages: PackageVerification[];
  reportDir: string;
  historyPath: string;
}
