import { clean } from '@renovatebot/pep440';
import { HbuildError } from '../core/errors.js';
import { normalizeName } from '../core/pep503.js';
import { quote } from './display.js';

/** A project name and version as some part of a wheel states them. */
export interface Identity {
  name: string;
  version: string;
}

/** PEP 440 normal form, or undefined when `version` is not a version at all. */
export function canonicalVersion(version: string): string | undefined {
  return clean(version) ?? undefined;
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  const version = canonicalVersion(a.version);
  return (
    normalizeName(a.name) === normalizeName(b.name) && version !== undefined && version === canonicalVersion(b.version)
  );
}

/**
 * Refuse a wheel whose `source` (file name, dist-info directory, METADATA)
 * claims a project or version other than the one pinned.
 */
export function assertIdentity(file: string, source: string, expected: Identity, claimed: Identity): void {
  if (sameIdentity(expected, claimed)) return;
  throw new HbuildError(
    'ERR_WHEEL_MISMATCH',
    `wheel ${quote(file)}: expected ${expected.name} ${expected.version}, but its ${source} claims ` +
      `${quote(claimed.name)} ${quote(claimed.version)}`,
    {
      hint: 'The build produced a wheel for a different project or version than the lockfile pins; treat the sdist as hostile or fix the pin.',
      details: { file, source, expected, claimed },
    },
  );
}
