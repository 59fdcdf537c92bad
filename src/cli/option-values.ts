import { z } from 'zod';
import { parseBuildRequire } from '../lockfile/package-ids.js';
import { PROJECT_NAME } from '../core/pep503.js';

// Each schema turns one raw command-line string into the value a command uses. Its error
// text completes "--flag must be …, got "raw"", so it says what the value must be.

/** A boolean flag; parseArgs has already decided it, the schema only keeps the table uniform. */
export const Flag = z.boolean();

/** Any non-empty string: paths, URLs and names whose own reader checks them further. */
export const Text = z.string().min(1, { error: 'a non-empty value' });

/**
 * A whole number from `min` to `max`, in decimal digits only: `Number()` alone would take
 * "1e3", "0x10" and " 4 ", and one option must not accept them where another refuses.
 */
export function WholeNumber(min: number, max: number, unit?: string) {
  const what = `a whole number${unit === undefined ? '' : ` of ${unit}`} from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d{1,9}$/, { error: what })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: what });
}

/** One of a fixed set of words. */
export function OneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `one of ${values.join(', ')}` });
}

function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `a,b,c`: blanks are dropped, so an empty string is an empty list. */
export const List = z.string().transform(splitList);

/** `NAME,...` of project names; an empty list means "no selection", as it always has. */
export const NameList = z
  .string()
  .refine((raw) => splitList(raw).every((name) => parseBuildRequire(name) !== undefined), { error: 'a comma-separated list of project names (or name==version)' })
  .transform(splitList);

/** A project name as written in a requirement (PEP 508). */
export const ProjectName = z.string().regex(PROJECT_NAME, { error: 'a project name' });

/** A target's name as a lock's `targets:` spells it. */
export const TargetNameValue = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, { error: 'a target name (lowercase letters, digits, "-"), like py311' });

/** `NAME=IMAGE`: a target of a lock with several and its builder image (a folder under images/). */
export const TargetImage = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}=[a-z0-9][a-z0-9-]{0,62}$/, { error: 'NAME=IMAGE, like py313=trixie' })
  .transform((raw) => ({ name: raw.slice(0, raw.indexOf('=')), image: raw.slice(raw.indexOf('=') + 1) }));

/** `NAME=URL`, as an entry for `Object.fromEntries`. */
export const NameEqualsUrl = z
  .string()
  .regex(/^[^=]+=.+$/, { error: 'NAME=URL' })
  .transform((raw): [string, string] => {
    const at = raw.indexOf('=');
    return [raw.slice(0, at), raw.slice(at + 1)];
  });
