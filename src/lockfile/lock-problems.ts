import { basename } from 'node:path';
import { HbuildError } from '../core/errors.js';

export type PathSegment = string | number;

/** One thing wrong with a lock file, located by data path and 1-based YAML line. */
export interface Problem {
  path: string;
  line: number;
  message: string;
}

/** A problem before it is located: the data path, and whether it is about the key itself. */
export interface Finding {
  path: PathSegment[];
  message: string;
  /** Point at the key (an unknown or duplicate key) rather than at its value. */
  at?: 'key';
}

/** Only so many lines go into the message; `details.problems` keeps them all. */
const MAX_MESSAGE_LINES = 100;

/** `['packages', 3, 'sdist', 'sha256']` → `packages[3].sdist.sha256`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** `lock.yaml:12: packages[3].sdist.sha256: expected 64 lowercase hex characters` */
export function formatProblem(file: string, problem: Problem): string {
  const where = problem.path === '' ? '' : `${problem.path}: `;
  return `${file}:${problem.line}: ${where}${problem.message}`;
}

/** Every problem in one error, ordered by line so the message reads top to bottom. */
export function lockInvalid(lockPath: string, problems: readonly Problem[]): HbuildError {
  const file = basename(lockPath);
  const sorted = [...problems].sort((a, b) => a.line - b.line);
  const lines = sorted.slice(0, MAX_MESSAGE_LINES).map((p) => formatProblem(file, p));
  if (sorted.length > MAX_MESSAGE_LINES) lines.push(`… and ${sorted.length - MAX_MESSAGE_LINES} more`);
  const count = sorted.length === 1 ? '1 problem' : `${sorted.length} problems`;
  return new HbuildError('ERR_LOCK_INVALID', `invalid lock file ${lockPath} (${count}):\n${lines.join('\n')}`, {
    hint: `fix the entries listed above, or regenerate the lock with \`hbuild lock\``,
    details: { path: lockPath, problems: sorted },
  });
}
