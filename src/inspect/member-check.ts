import type { ArchiveLimits } from './archive-limits.js';
import { checkMemberName, resolveSymlinkTarget, type Violation } from './member-path.js';
import { createMemberTree, type MemberKind } from './member-tree.js';

/** A tar member that passed every rule, with its metadata already normalised. */
export interface SdistMember {
  /** The name as written in the archive, for messages. */
  name: string;
  kind: MemberKind;
  /** Path below the top directory; `''` is the top directory itself. */
  path: string;
  /** 0o755 or 0o644 (only the exec bit survives); 0o777 for symlinks. */
  mode: number;
  /** Whole seconds, clamped to what a ustar header can carry. */
  mtime: Date;
  size: number;
  /** Normalised in-tree target, symlinks only. */
  linkname: string | null;
  /** Directories first implied by this member, outermost first. */
  impliedDirs: string[];
}

/**
 * A tar header as the parser hands it over. Typed loosely on purpose: a
 * hostile header can leave any of these null, NaN or out of range.
 */
export interface RawHeader {
  name: string;
  type?: string | null;
  size?: number | null;
  mode?: number | null;
  mtime?: Date | null;
  linkname?: string | null;
}

export type MemberCheck = { ok: true; member: SdistMember } | ({ ok: false } & Violation);

export interface MemberChecker {
  check(header: RawHeader): MemberCheck;
  readonly topDir: string | null;
  readonly members: number;
  readonly totalBytes: number;
}

const MAX_MTIME_SECONDS = 2 ** 31 - 1;

function clampMtime(mtime: Date | null | undefined): Date {
  const seconds = Math.floor((mtime?.getTime() ?? 0) / 1000);
  if (!Number.isFinite(seconds) || seconds < 0) return new Date(0);
  return new Date(Math.min(seconds, MAX_MTIME_SECONDS) * 1000);
}

function normaliseMode(kind: MemberKind, mode: number | null | undefined): number {
  if (kind === 'symlink') return 0o777;
  if (kind === 'directory') return 0o755;
  return ((mode ?? 0) & 0o111) !== 0 ? 0o755 : 0o644;
}

function kindOf(type: string | null | undefined): MemberKind | Violation {
  switch (type) {
    case 'file':
    case 'directory':
    case 'symlink':
      return type;
    case 'link':
      return { rule: 'hardlink', why: 'hardlinks are not allowed' };
    default:
      return { rule: 'special-file', why: `${type ?? 'unknown'} entries are not allowed` };
  }
}

/** Applies every per-member rule, in archive order, keeping the running totals. */
export function createMemberChecker(limits: ArchiveLimits): MemberChecker {
  const tree = createMemberTree(limits.maxMembers);
  let members = 0;
  let totalBytes = 0;

  function check(header: RawHeader): MemberCheck {
    const name = checkMemberName(header.name, limits.maxPathLength);
    if (!name.ok) return name;
    const kind = kindOf(header.type);
    if (typeof kind !== 'string') return { ok: false, ...kind };
    members += 1;
    if (members > limits.maxMembers) {
      return { ok: false, rule: 'too-many-members', why: `more than ${limits.maxMembers} members` };
    }
    const size = header.size ?? 0;
    if (!Number.isSafeInteger(size) || size < 0) return { ok: false, rule: 'corrupt', why: 'invalid size' };
    if (size > limits.maxMemberBytes) {
      return { ok: false, rule: 'member-too-large', why: `declares ${size} bytes, limit ${limits.maxMemberBytes}` };
    }
    totalBytes += size;
    if (totalBytes > limits.maxTotalBytes) {
      return { ok: false, rule: 'total-too-large', why: `members exceed ${limits.maxTotalBytes} bytes in total` };
    }
    const below = name.segments.slice(1);
    let linkname: string | null = null;
    if (kind === 'symlink') {
      const target = resolveSymlinkTarget(below, header.linkname ?? '', limits.maxPathLength);
      if (!target.ok) return target;
      linkname = target.target;
    }
    const implied = tree.add(name.segments, kind);
    if (!Array.isArray(implied)) return { ok: false, ...implied };
    const member: SdistMember = {
      name: header.name,
      kind,
      path: below.join('/'),
      mode: normaliseMode(kind, header.mode),
      mtime: clampMtime(header.mtime),
      size,
      linkname,
      impliedDirs: implied,
    };
    return { ok: true, member };
  }

  return {
    check,
    get topDir() {
      return tree.topDir;
    },
    get members() {
      return members;
    },
    get totalBytes() {
      return totalBytes;
    },
  };
}
