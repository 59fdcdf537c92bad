import type { UnsafeRule } from './unsafe.js';

export interface Violation {
  rule: UnsafeRule;
  why: string;
}

export type PathCheck = { ok: true; segments: string[] } | ({ ok: false } & Violation);

/** `resolved` is where the link points, below the top directory; `target` is the link text normalised. */
export type TargetCheck = { ok: true; resolved: string[]; target: string } | ({ ok: false } & Violation);

// C0 and C1 controls, DEL; a name carrying them can forge log lines or hide from review.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const DRIVE = /^[A-Za-z]:/;

function refuse(rule: UnsafeRule, why: string): { ok: false } & Violation {
  return { ok: false, rule, why };
}

/** Checks that hold for member names and symlink targets alike; `null` when clean. */
function checkSpelling(text: string, maxLength: number, what: string): Violation | null {
  if (text.length === 0) return { rule: 'outside-top-dir', why: `empty ${what}` };
  if (text.length > maxLength) {
    return { rule: 'path-too-long', why: `${what} is ${text.length} characters, limit ${maxLength}` };
  }
  if (CONTROL.test(text)) return { rule: 'control-char', why: `${what} contains a NUL or control character` };
  if (text.includes('\\')) return { rule: 'backslash', why: `${what} contains a backslash` };
  return null;
}

function splitSegments(text: string): string[] {
  return text.split('/').filter((segment) => segment !== '' && segment !== '.');
}

/**
 * Split a member name into normalised segments (empty and `.` segments
 * dropped), refusing anything that could land outside the extraction root.
 */
export function checkMemberName(name: string, maxLength: number): PathCheck {
  const spelling = checkSpelling(name, maxLength, 'name');
  if (spelling) return refuse(spelling.rule, spelling.why);
  if (name.startsWith('/') || DRIVE.test(name)) return refuse('absolute-path', 'name is an absolute path');
  const segments = splitSegments(name);
  if (segments.includes('..')) return refuse('path-traversal', 'name has a ".." segment');
  if (segments.length === 0) return refuse('outside-top-dir', 'name does not lie in a top-level directory');
  return { ok: true, segments };
}

/**
 * Resolve a symlink target lexically against the link's directory.
 * `linkSegments` is the link's path below the top directory. Returns the
 * target's segments below the top directory.
 *
 * `..` is only allowed as a leading run: the link's own ancestors are known to
 * be real directories, so climbing them is exact, whereas climbing after a
 * descent could pass through another symlink and escape where the lexical
 * answer says it stays in the tree.
 */
export function resolveSymlinkTarget(linkSegments: string[], target: string, maxLength: number): TargetCheck {
  const spelling = checkSpelling(target, maxLength, 'symlink target');
  if (spelling) return refuse(spelling.rule === 'outside-top-dir' ? 'symlink-escape' : spelling.rule, spelling.why);
  if (target.startsWith('/') || DRIVE.test(target)) {
    return refuse('symlink-absolute', `symlink target ${JSON.stringify(target)} is absolute`);
  }
  const segments = splitSegments(target);
  let climb = 0;
  while (segments[climb] === '..') climb += 1;
  const rest = segments.slice(climb);
  if (rest.includes('..')) {
    return refuse('symlink-escape', `symlink target ${JSON.stringify(target)} climbs with ".." after descending`);
  }
  const linkDir = linkSegments.slice(0, -1);
  if (climb > linkDir.length) {
    return refuse('symlink-escape', `symlink target ${JSON.stringify(target)} leaves the sdist tree`);
  }
  return {
    ok: true,
    resolved: [...linkDir.slice(0, linkDir.length - climb), ...rest],
    target: [...segments.slice(0, climb), ...rest].join('/') || '.',
  };
}
