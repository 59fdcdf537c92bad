import { findDistInfo, readDistInfoText } from '../check/dist-info.js';
import { parseHeaders } from '../check/headers.js';
import { checkWheel } from '../check/wheel.js';
import { parseWheelName } from '../check/wheel-name.js';
import { DEFAULT_WHEEL_LIMITS, listMembers } from '../check/zip-entry.js';
import { closeZip, entryInvalid, openZip } from '../check/zip.js';
import type { LocalWheel } from './read-wheelhouse.js';

/** A form field of the upload: a name and one value; repeated names carry list fields. */
export type FormField = readonly [name: string, value: string];

// METADATA fields (lower-cased) → the upload form's names, as the legacy upload API takes them.
// Fields not listed here are not sent; the index reads the wheel's own METADATA anyway.
const SINGLE: Record<string, string> = {
  'metadata-version': 'metadata_version',
  name: 'name',
  version: 'version',
  summary: 'summary',
  'description-content-type': 'description_content_type',
  keywords: 'keywords',
  'home-page': 'home_page',
  'download-url': 'download_url',
  author: 'author',
  'author-email': 'author_email',
  maintainer: 'maintainer',
  'maintainer-email': 'maintainer_email',
  license: 'license',
  'license-expression': 'license_expression',
  'requires-python': 'requires_python',
};
const MULTIPLE: Record<string, string> = {
  classifier: 'classifiers',
  platform: 'platform',
  'supported-platform': 'supported_platform',
  'requires-dist': 'requires_dist',
  'provides-dist': 'provides_dist',
  'obsoletes-dist': 'obsoletes_dist',
  'requires-external': 'requires_external',
  'project-url': 'project_urls',
  'provides-extra': 'provides_extra',
  dynamic: 'dynamic',
  requires: 'requires',
  provides: 'provides',
  obsoletes: 'obsoletes',
  'license-file': 'license_file',
};

/** What the upload form says about one wheel, read from the wheel itself. */
export interface UploadMetadata {
  /** Core metadata fields, in form names, METADATA's order kept within each field. */
  fields: FormField[];
  metadataVersion: string;
  /** The wheel's python tag (`cp311`, `py3`), what the form calls `pyversion`. */
  pyversion: string;
}

/**
 * Check the wheel as hostile input again (zip, RECORD, name and version against the manifest),
 * then read its METADATA within the same limits and turn it into upload form fields.
 */
export async function readUploadMetadata(wheel: LocalWheel): Promise<UploadMetadata> {
  await checkWheel(wheel.path, { name: wheel.name, version: wheel.version });
  const zip = await openZip(wheel.path, wheel.file);
  let text: string;
  let metadataPath: string;
  try {
    const members = await listMembers(zip, wheel.file, DEFAULT_WHEEL_LIMITS);
    metadataPath = `${findDistInfo(members, wheel.file)}/METADATA`;
    text = await readDistInfoText(zip, wheel.file, new Map(members.map((m) => [m.name, m])), metadataPath, DEFAULT_WHEEL_LIMITS);
  } finally {
    closeZip(zip);
  }
  const metadata = metadataFields(text, (why) => entryInvalid(wheel.file, metadataPath, why, 'metadata'));
  return { ...metadata, pyversion: parseWheelName(wheel.file).tags.split('-')[0] as string };
}

/** METADATA text → form fields; the body after the headers is the description. */
export function metadataFields(text: string, refuse: (why: string) => Error): Omit<UploadMetadata, 'pyversion'> {
  const headers = parseHeaders(text, refuse);
  const metadataVersion = headers.get('metadata-version')?.[0];
  if (metadataVersion === undefined) throw refuse('has no Metadata-Version field');
  const fields: FormField[] = [];
  for (const [key, values] of headers) {
    const single = SINGLE[key];
    if (single !== undefined) {
      if (values.length > 1) throw refuse(`has ${values.length} ${key} fields`);
      fields.push([single, values[0] as string]);
      continue;
    }
    const multiple = MULTIPLE[key];
    // License-File before metadata 2.4 is a setuptools habit the spec does not define; not sent.
    if (multiple === 'license_file' && versionBelow(metadataVersion, 2, 4)) continue;
    if (multiple !== undefined) for (const value of values) fields.push([multiple, value]);
  }
  const description = headers.get('description')?.[0] ?? bodyOf(text);
  if (description !== undefined && description !== '') fields.push(['description', description]);
  return { fields, metadataVersion };
}

function bodyOf(text: string): string | undefined {
  const m = /\r?\n\r?\n/.exec(text);
  return m === null ? undefined : text.slice(m.index + m[0].length);
}

function versionBelow(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a < major || (a === major && b < minor);
}
