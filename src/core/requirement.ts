import { validRange } from '@renovatebot/pep440';
import { normalizeName, PROJECT_NAME } from './pep503.js';
import { MarkerError, parseMarker } from './markers.js';

/** A PEP 508 dependency specification, parsed but not yet judged. */
export interface Requirement {
  /** As written. */
  name: string;
  /** PEP 503 normalised. */
  key: string;
  /** Normalised extra names, sorted. */
  extras: string[];
  /** PEP 440 specifier set without spaces, '' for any version. */
  specifier: string;
  /** A direct reference (`name @ URL`). */
  url?: string;
  marker?: string;
}

export class RequirementError extends Error {
  override name = 'RequirementError';
}

const MAX_REQUIREMENT_LENGTH = 4000;

/** Parse one PEP 508 string; throws RequirementError naming what is wrong. */
export function parseRequirement(text: string): Requirement {
  if (text.length > MAX_REQUIREMENT_LENGTH) throw new RequirementError(`longer than ${MAX_REQUIREMENT_LENGTH} characters`);
  const { body, marker } = splitMarker(text);
  const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(body)?.[1];
  if (!name || !PROJECT_NAME.test(name)) throw new RequirementError('expected a project name');
  let rest = body.slice(body.indexOf(name) + name.length).trim();

  let extras: string[] = [];
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new RequirementError('unclosed "[" of extras');
    const list = rest.slice(1, close).split(',').map((e) => e.trim()).filter(Boolean);
    if (list.some((e) => !PROJECT_NAME.test(e))) throw new RequirementError('expected extras like [socks,security]');
    extras = [...new Set(list.map(normalizeName))].sort();
    rest = rest.slice(close + 1).trim();
  }

  const requirement: Requirement = { name, key: normalizeName(name), extras, specifier: '' };
  if (rest.startsWith('@')) {
    requirement.url = rest.slice(1).trim();
    if (!requirement.url) throw new RequirementError('expected a URL after "@"');
  } else if (rest !== '') {
    const spec = rest.startsWith('(') && rest.endsWith(')') ? rest.slice(1, -1) : rest;
    const compact = spec.replace(/\s+/g, '');
    if (!/^(===?|!=|<=?|>=?|~=)/.test(compact) || !validRange(compact)) {
      throw new RequirementError(`expected a PEP 440 version specifier, got ${JSON.stringify(spec.trim())}`);
    }
    requirement.specifier = compact;
  }
  if (marker !== undefined) {
    try {
      parseMarker(marker);
    } catch (err) {
      if (err instanceof MarkerError) throw new RequirementError(`bad environment marker: ${err.message}`);
      throw err;
    }
    requirement.marker = marker;
  }
  return requirement;
}

/**
 * Split off `; marker`. With a URL, PEP 508 needs whitespace before the ";" so that
 * URLs containing ";" still parse.
 */
function splitMarker(text: string): { body: string; marker?: string } {
  const isUrl = /^[^;]*@/.test(text);
  const at = isUrl ? text.search(/\s;/) : text.indexOf(';');
  if (at < 0) return { body: text.trim() };
  const cut = isUrl ? at + text.slice(at).indexOf(';') : at;
  const marker = text.slice(cut + 1).trim();
  if (!marker) throw new RequirementError('expected an environment marker after ";"');
  return { body: text.slice(0, cut).trim(), marker };
}

/** `==X` or `===X` with no wildcard: the one version it pins, else undefined. */
export function exactPin(specifier: string): string | undefined {
  const match = /^(===?)([^,*]+)$/.exec(specifier);
  return match?.[2];
}
