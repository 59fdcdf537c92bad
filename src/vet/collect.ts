import { resolveLimits, type ArchiveLimits } from '../inspect/archive-limits.js';
import { walkSdist } from '../inspect/walk.js';
import { BYTECODE_NAME, NATIVE_NAME, hasNul, sniffExecutable, type BinaryFormat } from './binary.js';
import { pythonFacts, type PyFacts } from './py-facts.js';
import { PYTHON, textFacts, textKindOf, type TextFacts } from './text-facts.js';

/** What one sdist member looked like, with the facts its content gave. */
export interface FileFacts {
  path: string;
  size: number;
  executable: BinaryFormat | null;
  /** Has NUL bytes near its start: not text. */
  binaryData: boolean;
  /** Text longer than the scan limit: only its beginning was read. */
  truncated: boolean;
  python?: PyFacts;
  text?: TextFacts;
}

export interface SdistFacts {
  files: FileFacts[];
  /** Raw text of the top-level metadata files the rules read, when present. */
  metadata: { pkgInfo: string | null; pyproject: string | null; setupCfg: string | null; requirements: Array<{ path: string; text: string }> };
  stats: { files: number; textFiles: number; bytes: number; scannedBytes: number };
}

export interface CollectOptions {
  /** Bytes of any one text file that are read (default 2 MiB). */
  maxTextBytes?: number;
  limits?: Partial<ArchiveLimits>;
  signal?: AbortSignal;
}

export const DEFAULT_MAX_TEXT_BYTES = 2 * 1024 * 1024;
const SNIFF_BYTES = 4096;
const METADATA = new Set(['PKG-INFO', 'pyproject.toml', 'setup.cfg']);
const TOP_REQUIREMENTS = /^requirements[\w.-]*\.txt$/i;

async function readHead(body: AsyncIterable<Buffer>, keep: number): Promise<Buffer> {
  const kept: Buffer[] = [];
  let seen = 0;
  for await (const chunk of body) {
    if (seen < keep) kept.push(chunk.subarray(0, keep - seen));
    seen += chunk.length;
  }
  return Buffer.concat(kept);
}

/**
 * Stream the sdist once through every archive rule (walkSdist) and gather the
 * facts the vet rules judge. Nothing is extracted and nothing is executed.
 */
export async function collectFacts(archive: string, options: CollectOptions = {}): Promise<SdistFacts> {
  const maxText = options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
  const files: FileFacts[] = [];
  const metadata: SdistFacts['metadata'] = { pkgInfo: null, pyproject: null, setupCfg: null, requirements: [] };
  const stats = { files: 0, textFiles: 0, bytes: 0, scannedBytes: 0 };
  const decoder = new TextDecoder('utf-8');

  await walkSdist(
    archive,
    resolveLimits(options.limits),
    async (member, body) => {
      if (member.kind !== 'file') return;
      stats.files++;
      stats.bytes += member.size;
      const isPython = PYTHON.test(member.path);
      const kind = textKindOf(member.path);
      const isMetadata = METADATA.has(member.path) || (!member.path.includes('/') && TOP_REQUIREMENTS.test(member.path));
      const readsText = isPython || kind !== null || isMetadata;
      const head = await readHead(body, readsText ? maxText : SNIFF_BYTES);
      const facts: FileFacts = {
        path: member.path,
        size: member.size,
        executable: sniffExecutable(head),
        binaryData: hasNul(head),
        truncated: readsText && member.size > maxText,
      };
      files.push(facts);
      if (!readsText || facts.binaryData || facts.executable !== null || BYTECODE_NAME.test(member.path) || NATIVE_NAME.test(member.path)) return;
      const text = decoder.decode(head);
      stats.textFiles++;
      stats.scannedBytes += head.length;
      if (member.path === 'PKG-INFO') metadata.pkgInfo = text;
      else if (member.path === 'pyproject.toml') metadata.pyproject = text;
      else if (member.path === 'setup.cfg') metadata.setupCfg = text;
      else if (isMetadata) metadata.requirements.push({ path: member.path, text });
      if (isPython) facts.python = pythonFacts(text);
      else if (kind !== null) facts.text = textFacts(text, kind);
    },
    options.signal,
  );
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, metadata, stats };
}
