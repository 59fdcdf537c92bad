/** Bounds applied while streaming an untrusted sdist; every one is enforced before data is buffered. */
export interface ArchiveLimits {
  /** Tar members, directories included. */
  maxMembers: number;
  /** Sum of declared member sizes (uncompressed). */
  maxTotalBytes: number;
  /** Declared size of any single member. */
  maxMemberBytes: number;
  /** Uncompressed tar bytes per compressed byte read from disk. */
  maxRatio: number;
  /** Length of a member path or symlink target, in characters. */
  maxPathLength: number;
  /** Size of the .tar.gz on disk. */
  maxCompressedBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxMembers: 20_000,
  maxTotalBytes: 512 * MiB,
  maxMemberBytes: 256 * MiB,
  maxRatio: 200,
  maxPathLength: 1024,
  maxCompressedBytes: 256 * MiB,
});

/**
 * Tiny tars are mostly zero padding and compress far beyond any sane ratio,
 * so the ratio is only judged once this much has been decompressed.
 */
export const RATIO_FLOOR_BYTES = 1 * MiB;

/**
 * Headers, pax records and padding are not member content but still come out
 * of gunzip; this allowance per member keeps a stream of empty headers or
 * trailing zeros from decompressing forever.
 */
const HEADER_ALLOWANCE_PER_MEMBER = 4096;
const TRAILER_ALLOWANCE = 64 * 1024;

export function resolveLimits(overrides: Partial<ArchiveLimits> = {}): ArchiveLimits {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const key of Object.keys(limits) as (keyof ArchiveLimits)[]) {
    const value = overrides[key];
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) {
      throw new RangeError(`archive limit ${key} must be a positive number, got ${value}`);
    }
    limits[key] = value;
  }
  return limits;
}

/** Upper bound on the uncompressed tar stream, content plus header overhead. */
export function maxTarStreamBytes(limits: ArchiveLimits): number {
  return limits.maxTotalBytes + (limits.maxMembers + 1) * HEADER_ALLOWANCE_PER_MEMBER + TRAILER_ALLOWANCE;
}
