import { availableParallelism } from 'node:os';

/** Resource bounds of one build container. */
export interface ContainerLimits {
  memoryBytes: number;
  cpus: number;
  pids: number;
  /** RLIMIT_FSIZE: no single file the build writes may exceed this. */
  fileSizeBytes: number;
  tmpfsBytes: number;
  /**
   * Size of /build, the build's writable scratch (source tree, build requirements, output): a
   * tmpfs, so a build cannot fill the host's disk. Its pages count as memory: the container's
   * memory limit is `memoryBytes + diskBytes`.
   */
  diskBytes: number;
  timeoutMs: number;
  /** Bytes of build log kept; the rest is counted and dropped. */
  logBytes: number;
  /** Largest wheel accepted out of the container. */
  outputBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: ContainerLimits = {
  memoryBytes: 4096 * MiB,
  cpus: Math.max(1, Math.min(availableParallelism(), 4)),
  pids: 512,
  fileSizeBytes: 1024 * MiB,
  tmpfsBytes: 2048 * MiB,
  diskBytes: 4096 * MiB,
  timeoutMs: 30 * 60_000,
  logBytes: 16 * MiB,
  outputBytes: 512 * MiB,
};
