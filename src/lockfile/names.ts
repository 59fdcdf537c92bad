import { clean } from '@renovatebot/pep440';
import { normalizeName } from '../core/pep503.js';


/** Two version strings that PEP 440 normalises to the same text (`1.0RC1` and `1.0rc1`). */
function sameVersion(a: string, b: string): boolean {
  if (a.toLowerCase() === b.toLowerCase()) return true;
  const ca = clean(a);
  return ca !== null && ca === clean(b);
}

/**
 * Whether `stem` reads as `{name}-{version}` for this package. Names may contain `-`
 * (`python-dateutil-2.8.2`), so every `-` is tried as the separator.
 */
function stemMatches(stem: string, name: string, version: string): boolean {
  const key = normalizeName(name);
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizeName(stem.slice(0, i)) === key && sameVersion(stem.slice(i + 1), version)) return true;
  }
  return false;
}

/** An sdist file name in the usual form `{name}-{version}.tar.gz`, either `-` or `_` spelling of the name. */
export function sdistFileMatches(file: string, name: string, version: string): boolean {
  if (!file.endsWith('.tar.gz')) return false;
  return stemMatches(file.slice(0, -'.tar.gz'.length), name, version);
}

/** A wheel file name `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl` for this package. */
export function wheelFileMatches(file: string, name: string, version: string): boolean {
  if (!file.endsWith('.whl')) return false;
  const parts = file.slice(0, -'.whl'.length).split('-');
  if (parts.length !== 5 && parts.length !== 6) return false;
  const [dist = '', ver = ''] = parts;
  return normalizeName(dist) === normalizeName(name) && sameVersion(ver, version);
}
