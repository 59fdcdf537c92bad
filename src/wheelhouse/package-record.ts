import type { SystemLibrary, VendoredLibrary } from '../check/wheel-libraries.js';

/** What the manifest records about one accepted wheel: every digest on its way from sdist to wheel. */
export interface PackageRecord {
  /** The target it was built for, in a lock with several; absent in a one-target run. */
  target?: string;
  name: string;
  version: string;
  sdist: { file: string; sha256: string; origin: string };
  treeDigest: string;
  recipeDigest: string | null;
  builderRootfs: string;
  builderImageId: string;
  /** The builder image by name: the base, or the one derived with `debianPackages`; `libraryMap` is the digest of its library map. */
  builderImage: { name: string; debianPackages: string[]; libraryMap: string | null };
  /** Shared libraries the wheel's compiled code needs beyond itself and glibc, with the Debian package that provided each. */
  systemLibraries: SystemLibrary[];
  /** Libraries the recipe's repair copied into the wheel (`<pkg>.libs/`); absent when none were. */
  vendoredLibraries?: VendoredLibrary[];
  /** A derived image's pin the lock does not hold yet (written by --record). */
  unpinnedBuilderImage?: { packages: string[]; rootfs: string };
  requirementWheels: Array<{ name: string; file: string; sha256: string }>;
  /** The build environment (an `envs/` store blob): the requirement wheels installed, as the build saw them. */
  buildEnv: { sha256: string; size: number };
  inputDigest: string;
  /** The vetting verdict of the sdist: rule-set version, verdict, findings digest. */
  vet?: { ruleSetVersion: string; verdict: 'pass' | 'warn' | 'block'; findingsDigest: string };
  log: { sha256: string; droppedBytes: number };
  wheel: { file: string; sha256: string; size: number };
  /** How the wheel's hash was judged: equal to the lock's pin, or recorded now (--record). */
  verdict: 'pinned-match' | 'recorded';
  cached: boolean;
  timings: Record<string, number>;
}
