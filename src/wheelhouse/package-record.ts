/** What the manifest records about one accepted wheel: every digest on its way from sdist to wheel. */
export interface PackageRecord {
  name: string;
  version: string;
  sdist: { file: string; sha256: string; origin: string };
  treeDigest: string;
  recipeDigest: string | null;
  builderRootfs: string;
  builderImageId: string;
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
