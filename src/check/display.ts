const MAX_SHOWN = 200;

// Beyond what JSON escapes: C1 controls and the bidi overrides that can make a
// hostile name read as a different one in a terminal.
const INVISIBLE = /[\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Render an untrusted name for a message: quoted, control and bidi characters escaped, length capped. */
export function quote(value: string): string {
  const cut = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
  return JSON.stringify(cut).replace(INVISIBLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
