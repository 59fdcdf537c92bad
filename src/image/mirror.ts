import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HbuildError } from '../core/errors.js';

/** One (URI, suite) pair of a `deb` source, whichever file format it came from. */
export interface AptSource {
  uri: string;
  suite: string;
  components: string[];
}

export interface DebianMirrorOptions {
  /** One-line format file; default `/etc/apt/sources.list`. */
  sourcesList?: string;
  /** Directory of `*.list` (one-line) and `*.sources` (deb822) files; default `/etc/apt/sources.list.d`. */
  sourcesDir?: string;
  /** The suite the image is built from; default `bookworm`. */
  suite?: string;
}

/** `deb [options] uri suite [component…]` lines; `deb-src`, comments and blank lines are skipped. */
export function parseOneLineSources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*$/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const [type, uri, suite, ...components] = line.split(/\s+/);
    if (type !== 'deb' || uri === undefined || suite === undefined) continue;
    out.push({ uri, suite, components });
  }
  return out;
}

/** deb822 paragraphs (`Types:`, `URIs:`, `Suites:`, `Components:`, `Enabled:`), expanded to one entry per URI and suite. */
export function parseDeb822Sources(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const paragraph of text.split(/\n[ \t]*\n/)) {
    const fields = parseParagraph(paragraph);
    const types = words(fields.get('types'));
    if (!types.includes('deb') || fields.get('enabled')?.trim().toLowerCase() === 'no') continue;
    const components = words(fields.get('components'));
    for (const uri of words(fields.get('uris'))) {
      for (const suite of words(fields.get('suites'))) out.push({ uri, suite, components });
    }
  }
  return out;
}

function parseParagraph(paragraph: string): Map<string, string> {
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const line of paragraph.split('\n')) {
    if (line.startsWith('#')) continue;
    if (/^[ \t]/.test(line) && last !== undefined) {
      fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const match = /^([A-Za-z0-9-]+):(.*)$/.exec(line);
    if (match === null) continue;
    last = (match[1] as string).toLowerCase();
    fields.set(last, (match[2] as string).trim());
  }
  return fields;
}

function words(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter((w) => w.length > 0);
}

/**
 * The first plausible Debian archive: a `deb` entry with the `main` component,
 * not a security suite, whose suite is the wanted one or whose URI path ends in `/debian`.
 */
export function pickDebianMirror(sources: AptSource[], suite: string): string | undefined {
  for (const source of sources) {
    let url: URL;
    try {
      url = new URL(source.uri);
    } catch {
      continue;
    }
    if (!['http:', 'https:', 'file:'].includes(url.protocol)) continue;
    const path = url.pathname.replace(/\/+$/, '');
    if (source.suite.endsWith('-security') || path.endsWith('-security')) continue;
    if (!source.components.includes('main')) continue;
    if (source.suite === suite || path.endsWith('/debian')) return source.uri;
  }
  return undefined;
}

/** The host's Debian mirror, read from its apt sources in the order apt reads them. */
export async function debianMirror(opts: DebianMirrorOptions = {}): Promise<string> {
  const sourcesList = opts.sourcesList ?? '/etc/apt/sources.list';
  const sourcesDir = opts.sourcesDir ?? '/etc/apt/sources.list.d';
  const suite = opts.suite ?? 'bookworm';
  const sources = parseOneLineSources(await readOptional(sourcesList));
  for (const file of await listSourceFiles(sourcesDir)) {
    const text = await readOptional(join(sourcesDir, file));
    sources.push(...(file.endsWith('.sources') ? parseDeb822Sources(text) : parseOneLineSources(text)));
  }
  const mirror = pickDebianMirror(sources, suite);
  if (mirror === undefined) {
    throw new HbuildError('ERR_IMAGE_BUILD', `no Debian mirror for '${suite}' found in ${sourcesList} or ${sourcesDir}`, {
      hint: 'pass the Debian mirror URI explicitly (--mirror)',
      details: { sourcesList, sourcesDir, suite },
    });
  }
  return mirror;
}

async function listSourceFiles(dir: string): Promise<string[]> {
  try {
    const files = await readdir(dir);
    return files.filter((f) => f.endsWith('.list') || f.endsWith('.sources')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

async function readOptional(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}
