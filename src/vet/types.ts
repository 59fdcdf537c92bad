/** How bad a rule's match is: `warn` is reported, `block` stops the build. */
export type Severity = 'warn' | 'block';

/** A finding's standing after exceptions: its own severity, or `allowed` by a recipe exception. */
export type FindingSeverity = Severity | 'allowed';

export type Verdict = 'pass' | 'warn' | 'block';

export interface VetRule {
  /** Stable id, e.g. `HB101`; exceptions and SARIF refer to it. */
  id: string;
  /** Short kebab-case name. */
  name: string;
  /** Default severity; a matcher may lower it (test files) or raise it (an install hook that spawns processes). */
  severity: Severity;
  description: string;
  /** What a reviewer should look at. */
  help: string;
}

/** What a recipe exception did to a finding, when one named it. */
export interface ExceptionOutcome {
  status: 'applied' | 'expired' | 'wrong-sha256';
  reason: string;
  expires: string;
  /** Why the exception did or did not apply, for the report. */
  note: string;
}

export interface Finding {
  rule: string;
  severity: FindingSeverity;
  /** The severity the rule gave before any exception. */
  ruleSeverity: Severity;
  /** Path below the sdist's top directory. */
  file: string;
  /** 1-based; 0 when the finding is about the whole file. */
  line: number;
  /** The matching source line, trimmed, control and bidi characters escaped. */
  excerpt: string;
  message: string;
  exception?: ExceptionOutcome;
}

export interface HeldRelease {
  /** ISO 8601 upload time from the lock; null when the lock has none. */
  releasedAt: string | null;
  /** When the quarantine ends; null when it cannot be computed. */
  until: string | null;
  message: string;
}

export interface VetResult {
  ruleSetVersion: string;
  verdict: Verdict;
  findings: Finding[];
  /** `sha256:<hex>` of the canonical JSON of the findings (with exception outcomes). */
  findingsDigest: string;
  /** Present when the release is younger than the quarantine age (or its age is unknown). */
  held?: HeldRelease;
  /** Scan statistics: files read, bytes scanned. */
  stats: { files: number; textFiles: number; bytes: number; scannedBytes: number };
}

/** What the wheelhouse manifest records about vetting. */
export interface VetSummary {
  ruleSetVersion: string;
  verdict: Verdict;
  findingsDigest: string;
}

/** One package of a lock after vetting: a result, or the error that stopped it (fetch, integrity, unsafe archive). */
export interface VettedPackage {
  name: string;
  version: string;
  file: string;
  sha256: string;
  result?: VetResult;
  error?: import('../core/errors.js').HbuildError;
}
