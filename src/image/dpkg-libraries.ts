import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { extract as tarExtract, type Header } from 'tar-stream';
import { HbuildError } from '../core/errors.js';
import { canonicalJson, sha256 } from '../core/digest.js';
import { writeFileAtomic } from '../core/fs-atomic.js';
import { rootfsHex } from './archive.js';
import { LibraryMap, type LibraryOwner } from './schema.js';

const STATUS = 'var/lib/dpkg/status';
const LIST = /^var\/lib\/dpkg\/info\/([a-z0-9][a-z0-9+.-]+)(?::[a-z0-9-]+)?\.list$/;
const SHARED_OBJECT = /\.so(\.[0-9]+)*$/;
const MAX_STATUS_BYTES = 64 * 2 ** 20;
const MAX_LIST_BYTES = 16 * 2 ** 20;
const MAX_TOTAL_BYTES = 512 * 2 ** 20;

type TarEntry = AsyncIterable<Buffer> & { header: Header };

/** Installed package → version, from dpkg's status file (only `install ok installed` paragraphs). */
export function parseDpkgStatus(text: string): Map<string, string> {
  const versions = new Map<string, string>();
  for (const paragraph of text.split(/\n\n+/)) {
    const field = (name: string): string | undefined => new RegExp(`^${name}: *(.+)$`, 'm').exec(paragraph)?.[1]?.trim();
    const pkg = field('Package');
    const version = field('Version');
    if (pkg && version && field('Status') === 'install ok installed') versions.set(pkg, version);
  }
  return versions;
}

/** Shared objects a package's file list names: library directories only, keyed by file name. */
export function sharedObjectsOf(listText: string): Array<{ name: string; path: string }> {
  const out: Array<{ name: string; path: string }> = [];
  for (const path of listText.split('\n')) {
    if (!path.startsWith('/') || !/\/lib(32|64|x32)?\//.test(path)) continue;
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (SHARED_OBJECT.test(name)) out.push({ name, path });
  }
  return out;
}

/**
 * Read a rootfs tar's dpkg database (the status file and every `info/*.list`) and map
 * each shared-object file name to the packages that ship it, with their versions.
 * Every member read is size-capped; everything else is skipped unread.
 */
export async function libraryMapFromRootfs(tar: Readable, rootfsDigest: string): Promise<LibraryMap> {
  const lists = new Map<string, string>();
  let status: string | undefined;
  let total = 0;
  const extract = tarExtract();
  tar.on('error', (err) => extract.destroy(err));
  tar.pipe(extract);
  for await (const raw of extract) {
    const entry = raw as TarEntry;
    const name = entry.header.name.replace(/^\.?\//, '');
    const list = LIST.exec(name);
    const wanted = entry.header.type === 'file' && (name === STATUS || list !== null);
    if (!wanted) {
      for await (const _ of entry) void _;
      continue;
    }
    const cap = name === STATUS ? MAX_STATUS_BYTES : MAX_LIST_BYTES;
    if ((entry.header.size ?? 0) > cap || total + (entry.header.size ?? 0) > MAX_TOTAL_BYTES) {
      tar.destroy();
      throw new HbuildError('ERR_IMAGE_BUILD', `the builder rootfs's ${name} is larger than ${cap} bytes`, { details: { rootfsDigest, name } });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    total += text.length;
    if (name === STATUS) status = text;
    else lists.set(list![1]!, `${lists.get(list![1]!) ?? ''}${text}\n`);
  }
  if (status === undefined) {
    throw new HbuildError('ERR_IMAGE_BUILD', `the builder rootfs ${rootfsDigest} has no dpkg status file`, { details: { rootfsDigest } });
  }
  const versions = parseDpkgStatus(status);
  const libraries: Record<string, LibraryOwner[]> = Object.create(null) as Record<string, LibraryOwner[]>;
  for (const [pkg, text] of [...lists].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const version = versions.get(pkg);
    if (version === undefined) continue;
    for (const { name, path } of sharedObjectsOf(text)) (libraries[name] ??= []).push({ package: pkg, version, path });
  }
  return { version: 1, rootfs: rootfsDigest, libraries };
}

/** Where a rootfs's library map is kept: beside its tar, named by the rootfs digest. */
export function libraryMapPath(outDir: string, rootfsDigest: string): string {
  return `${outDir}/rootfs-${rootfsHex(rootfsDigest)}.libraries.json`;
}

export interface StoredLibraryMap {
  map: LibraryMap;
  /** `sha256:<hex>` of the stored JSON: what the manifest and SBOM cite. */
  digest: string;
}

/** Write the map (canonical JSON, atomically) and return it with its digest. */
export async function writeLibraryMap(outDir: string, map: LibraryMap): Promise<StoredLibraryMap> {
  const text = canonicalJson(map);
  await writeFileAtomic(libraryMapPath(outDir, map.rootfs), text);
  return { map, digest: `sha256:${sha256(text)}` };
}

/**
 * The library map of a builder rootfs: the kept file, else derived from the kept rootfs
 * tar (and kept); null when neither is there.
 */
export async function readLibraryMap(outDir: string, rootfsDigest: string, rootfsPath: string): Promise<StoredLibraryMap | null> {
  let text: string | undefined;
  try {
    text = await readFile(libraryMapPath(outDir, rootfsDigest), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    const parsed = LibraryMap.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.rootfs === rootfsDigest) return { map: parsed.data, digest: `sha256:${sha256(text)}` };
  }
  try {
    const map = await libraryMapFromRootfs(createReadStream(rootfsPath), rootfsDigest);
    return await writeLibraryMap(outDir, map);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * The library map of a one-layer image from its `docker save` archive: the first member that
 * reads as a rootfs with a dpkg database (the layer, whichever layout the engine writes).
 */
export async function libraryMapFromSavedImage(saved: Readable, rootfsDigest: string): Promise<LibraryMap | null> {
  const outer = tarExtract();
  saved.on('error', (err) => outer.destroy(err));
  saved.pipe(outer);
  let found: LibraryMap | null = null;
  for await (const raw of outer) {
    const entry = raw as unknown as TarEntry & Readable;
    const size = entry.header.size ?? 0;
    if (found !== null || entry.header.type !== 'file' || size < 1024 * 1024) {
      for await (const _ of entry) void _;
      continue;
    }
    try {
      found = await libraryMapFromRootfs(entry, rootfsDigest);
    } catch {
      for await (const _ of entry) void _;
    }
  }
  return found;
}
