const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// Controls and bidi overrides are shown as escapes, so hostile text cannot disguise itself on the page.
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Text for an HTML text node or a quoted attribute value: every markup character escaped. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(INVISIBLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/[&<>"']/g, (ch) => ENTITIES[ch] as string);
}

/** A relative link to a kept file; anything that is not a plain relative path is shown as text only. */
export function fileLink(path: string | undefined, text: string): string {
  if (!path) return '';
  if (!/^[A-Za-z0-9._+-]+(\/[A-Za-z0-9._+-]+)*$/.test(path) || path.split('/').includes('..')) return esc(text);
  return `<a href="${esc(path.split('/').map(encodeURIComponent).join('/'))}">${esc(text)}</a>`;
}

// Every name, hash and line here comes from a package: a long one wraps (overflow-wrap:anywhere
// also lets tables shrink to fit), and preformatted text scrolls in its own box, so no string can
// widen the page. contain:inline-size keeps a wide <pre> from stretching the table cell it sits in;
// a cell's min-width keeps short words (statuses, pins) whole beside long columns.
export const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:78em;padding:0 1em;color:#1d1d1f;overflow-wrap:anywhere}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}h3{font-size:1em}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top;min-width:6em}
th{background:#f2f2f2}code,pre{font-family:ui-monospace,monospace;font-size:12.5px}
pre{background:#f8f8f8;border:1px solid #ddd;padding:.5em;overflow-x:auto;white-space:pre;max-width:100%;box-sizing:border-box;contain:inline-size}
.identical{background:#e6f4ea}.differed{background:#fce8e6}.failed{background:#fef7e0}.inconclusive{background:#eee}
.del{color:#b3261e}.add{color:#1e7d32}.hunk{color:#6a3fb5}.meta{color:#555}
.hash{font-family:ui-monospace,monospace;word-break:break-all}
`;
