/** Header fields of an email-style file (METADATA, WHEEL), keyed by lower-cased field name. */
export type HeaderFields = Map<string, string[]>;

// What Python's email parser accepts as a field name; anything else would end
// its header block early, so we refuse rather than read past what it sees.
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * Parse the header block (up to the first blank line) strictly: a line that
 * is neither `Name: value` nor a continuation is refused via `refuse`.
 */
export function parseHeaders(text: string, refuse: (why: string) => Error): HeaderFields {
  const fields: HeaderFields = new Map();
  let last: { values: string[]; index: number } | undefined;
  let lineNumber = 0;
  for (const line of text.split(/\r\n|\r|\n/)) {
    lineNumber += 1;
    if (line === '') break;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined) throw refuse(`line ${lineNumber} continues no field`);
      last.values[last.index] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    const key = colon > 0 ? line.slice(0, colon) : '';
    if (!FIELD_NAME.test(key)) throw refuse(`line ${lineNumber} is not a header field`);
    const values = fields.get(key.toLowerCase()) ?? [];
    fields.set(key.toLowerCase(), values);
    values.push(line.slice(colon + 1).replace(/^[ \t]+/, ''));
    last = { values, index: values.length - 1 };
  }
  return fields;
}

/** The one value of `field`; a missing or repeated field is refused, since readers disagree on which wins. */
export function singleField(fields: HeaderFields, field: string, refuse: (why: string) => Error): string {
  const values = fields.get(field.toLowerCase()) ?? [];
  if (values.length === 0) throw refuse(`has no ${field} field`);
  if (values.length > 1) throw refuse(`has ${values.length} ${field} fields`);
  return values[0] as string;
}
