import type { QuarantineExemption } from '../lockfile/schema.js';
import type { BuildSystem } from './build-system.js';

/** One package of the lock being made. */
export interface LockedPackage {
  /** PEP 503 normalised: the name the lock records. */
  name: string;
  /** PEP 440 normalised. */
  version: string;
  /** The one index it comes from, without credentials; recorded when several are configured. */
  index?: string;
  sdist: { file: string; sha256: string; size: number; uploadTime?: string };
  /** Sorted names of the packages whose wheels its build environment holds. */
  buildRequires: string[];
  exemption?: QuarantineExemption;
  /** The derived builder image its recipe's Debian packages call for. */
  builderImage?: { packages: string[]; rootfs: string };
}

/** A pinned sdist, in the store, with how it builds. */
export interface PinnedSdist extends Omit<LockedPackage, 'buildRequires'> {
  sdistPath: string;
  buildSystem: BuildSystem;
  /** A `Cargo.toml` at the sdist's root. */
  cargoToml?: boolean;
}

/** A built wheel of a lock entry, in the store, with its runtime requirements. */
export interface ProbeWheel {
  name: string;
  file: string;
  sha256: string;
  size: number;
  path: string;
  /** `Requires-Dist` of its METADATA, as written. */
  requiresDist: string[];
}

/**
 * What closing over build requirements needs from a builder: everything that runs sdist code.
 * The Docker implementation runs both in network-less builder containers; tests pass a fake.
 */
export interface BuildProbe {
  /** Run the backend's `get_requires_for_build_wheel` with `env` installed; the PEP 508 strings it returns. */
  dynamicRequires(target: PinnedSdist, env: ProbeWheel[]): Promise<string[]>;
  /**
   * Build `target` into a wheel. `packages` is every package of its build closure in
   * build order (target last), each with the names its build requires.
   */
  buildWheel(target: PinnedSdist, packages: Array<{ pinned: PinnedSdist; buildRequires: string[] }>): Promise<ProbeWheel>;
}
