import { basename } from 'node:path';
import { HbuildError } from '../core/errors.js';

/** Why an sdist was refused; carried in `details.rule` so callers and tests can branch on it. */
export type UnsafeRule =
  | 'format'
  | 'corrupt'
  | 'compressed-too-large'
  | 'empty-archive'
  | 'control-char'
  | 'backslash'
  | 'absolute-path'
  | 'path-traversal'
  | 'path-too-long'
  | 'outside-top-dir'
  | 'multiple-top-dirs'
  | 'symlink-absolute'
  | 'symlink-escape'
  | 'hardlink'
  | 'special-file'
  | 'duplicate-path'
  | 'path-conflict'
  | 'too-many-members'
  | 'member-too-large'
  | 'total-too-large'
  | 'ratio'
  | 'metadata-too-large'
  | 'pkg-info-missing'
  | 'pkg-info-mismatch';

const LIMIT_HINT =
  'The sdist exceeds an archive limit. If it is genuine, raise the limit for this package; otherwise treat it as hostile.';
const HOSTILE_HINT =
  'hbuild refuses to unpack this sdist. Check that the pin in lock.yaml is the intended release and report the archive upstream if it is genuine.';

const HINTS: Partial<Record<UnsafeRule, string>> = {
  format: 'Only gzip-compressed tar sdists (.tar.gz, PEP 625) are supported; pin a .tar.gz release instead.',
  corrupt: 'The download is truncated or corrupt; clear it from the store and fetch it again.',
  'compressed-too-large': LIMIT_HINT,
  'too-many-members': LIMIT_HINT,
  'member-too-large': LIMIT_HINT,
  'total-too-large': LIMIT_HINT,
  ratio: LIMIT_HINT,
  'metadata-too-large': LIMIT_HINT,
  'pkg-info-missing': 'An sdist must carry PKG-INFO at its top level; pin a release built by a standard build backend.',
  'pkg-info-mismatch': 'The sdist is not the package the lockfile pins; check the pin and the archive source.',
};

const MAX_SHOWN = 200;

/** Render an untrusted name for a message: quoted, control characters escaped, length capped. */
export function showName(name: string): string {
  const cut = name.length > MAX_SHOWN ? `${name.slice(0, MAX_SHOWN)}…` : name;
  return JSON.stringify(cut);
}

export interface UnsafeFinding {
  /** Path of the archive on disk; only its base name is shown. */
  archive: string;
  /** The member at fault; omitted for rules about the whole file. */
  member?: string;
  rule: UnsafeRule;
  why: string;
  cause?: unknown;
}

/** The single error for every refusal, naming the archive, the member and the rule. */
export function archiveUnsafe(finding: UnsafeFinding): HbuildError {
  const file = basename(finding.archive);
  const subject = finding.member === undefined ? '' : ` member ${showName(finding.member)}`;
  return new HbuildError(
    'ERR_ARCHIVE_UNSAFE',
    `sdist ${file}${subject} refused (${finding.rule}): ${finding.why}`,
    {
      hint: HINTS[finding.rule] ?? HOSTILE_HINT,
      cause: finding.cause,
      details: { archive: file, member: finding.member ?? file, rule: finding.rule },
    },
  );
}
