import { createHash } from 'node:crypto';
import { eq as versionsEqual, valid as validVersion } from '@renovatebot/pep440';
import { resolveLimits, type ArchiveLimits } from './archive-limits.js';
import { normalizeName } from '../core/pep503.js';
import { parsePkgInfo, type PkgInfo } from './pkg-info.js';
import { digestTree, type TreeEntry } from './tree-listing.js';
import { archiveUnsafe, showName } from './unsafe.js';
import { walkSdist } from './walk.js';

export { repackSdist, type RepackOptions } from './repack.js';

export interface InspectOptions {
  limits?: Partial<ArchiveLimits>;
  /** The pin this sdist must be; PKG-INFO is compared after PEP 503 / PEP 440 normalisation. */
  expect?: { name: string; version: string };
}

export interface InspectResult {
  /** The single top-level directory, as named in the archive. */
  topDir: string;
  members: number;
  totalBytes: number;
  /** `sha256:<hex>` of the canonical listing (see renderTreeListing). */
  treeDigest: string;
  pkgInfo: PkgInfo | null;
  pyprojectToml: string | null;
  setupPy: boolean;
  /** A `Cargo.toml` at the root of the tree: a Rust crate. */
  cargoToml?: boolean;
}

const METADATA_MAX_BYTES = 1024 * 1024;

interface ReadBody {
  sha256: string;
  head: string;
  truncated: boolean;
}

/** Hash a member's content, keeping its first `keepBytes` as text. */
async function readBody(body: AsyncIterable<Buffer>, keepBytes: number): Promise<ReadBody> {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let seen = 0;
  for await (const chunk of body) {
    hash.update(chunk);
    if (seen < keepBytes) kept.push(chunk.subarray(0, keepBytes - seen));
    seen += chunk.length;
  }
  const head = new TextDecoder('utf-8').decode(Buffer.concat(kept));
  return { sha256: hash.digest('hex'), head, truncated: seen > keepBytes };
}

function sameVersion(a: string, b: string): boolean {
  if (a === b) return true;
  return validVersion(a) !== null && validVersion(b) !== null && versionsEqual(a, b);
}

/**
 * Stream an sdist through every archive rule and describe it. Throws
 * ERR_ARCHIVE_UNSAFE, naming the member and the rule, on the first violation.
 */
export async function inspectSdist(path: string, opts: InspectOptions = {}): Promise<InspectResult> {
  const limits = resolveLimits(opts.limits);
  const entries = new Map<string, TreeEntry>();
  const found: { pkgInfo: string | null; pyproject: string | null; setupPy: boolean; cargoToml: boolean } = {
    pkgInfo: null,
    pyproject: null,
    setupPy: false,
    cargoToml: false,
  };

  const summary = await walkSdist(path, limits, async (member, body) => {
    for (const dir of member.impliedDirs) entries.set(dir, { kind: 'directory', path: dir });
    if (member.kind === 'directory') {
      entries.set(member.path, { kind: 'directory', path: member.path });
      return;
    }
    if (member.kind === 'symlink') {
      entries.set(member.path, { kind: 'symlink', path: member.path, target: member.linkname ?? '' });
      return;
    }
    const metadata = member.path === 'PKG-INFO' || member.path === 'pyproject.toml';
    const read = await readBody(body, metadata ? METADATA_MAX_BYTES : 0);
    entries.set(member.path, { kind: 'file', path: member.path, mode: member.mode, sha256: read.sha256 });
    if (member.path === 'PKG-INFO') found.pkgInfo = read.head;
    if (member.path === 'setup.py') found.setupPy = true;
    if (member.path === 'Cargo.toml') found.cargoToml = true;
    if (member.path === 'pyproject.toml') {
      if (read.truncated) {
        throw archiveUnsafe({
          archive: path,
          member: member.name,
          rule: 'metadata-too-large',
          why: `pyproject.toml is over ${METADATA_MAX_BYTES} bytes`,
        });
      }
      found.pyproject = read.head;
    }
  });

  const pkgInfo = found.pkgInfo === null ? null : parsePkgInfo(found.pkgInfo);
  if (opts.expect) checkExpected(path, `${summary.topDir}/PKG-INFO`, pkgInfo, opts.expect);
  return {
    topDir: summary.topDir,
    members: summary.members,
    totalBytes: summary.totalBytes,
    treeDigest: digestTree(entries.values()),
    pkgInfo,
    pyprojectToml: found.pyproject,
    setupPy: found.setupPy,
    ...(found.cargoToml ? { cargoToml: true } : {}),
  };
}

function checkExpected(archive: string, member: string, pkgInfo: PkgInfo | null, expect: PkgInfo): void {
  const pinned = `${expect.name} ${expect.version}`;
  if (pkgInfo === null) {
    throw archiveUnsafe({
      archive,
      member,
      rule: 'pkg-info-missing',
      why: `no top-level PKG-INFO with Name and Version; expected ${pinned}`,
    });
  }
  if (normalizeName(pkgInfo.name) === normalizeName(expect.name) && sameVersion(pkgInfo.version, expect.version)) {
    return;
  }
  throw archiveUnsafe({
    archive,
    member,
    rule: 'pkg-info-mismatch',
    why: `PKG-INFO says ${showName(pkgInfo.name)} ${showName(pkgInfo.version)} but the pin is ${pinned}`,
  });
}
