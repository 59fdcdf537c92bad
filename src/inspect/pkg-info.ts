export interface PkgInfo {
  name: string;
  version: string;
}

/**
 * Read Name and Version from the RFC 822 header block of a PKG-INFO. Field
 * names are case-insensitive; the first occurrence wins; the block ends at the
 * first blank line, where the description body begins.
 */
export function parsePkgInfo(text: string): PkgInfo | null {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') break;
    if (line.startsWith(' ') || line.startsWith('\t')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  const name = fields.get('name');
  const version = fields.get('version');
  if (!name || !version) return null;
  return { name, version };
}
