import { digestJson } from '../core/digest.js';
import { BUILD_PROTOCOL } from './container-command.js';

/** Everything that can change a build's output; equal digests mean the stored wheel may be reused. */
export interface BuildInputs {
  sdistSha256: string;
  treeDigest: string;
  recipeDigest: string | null;
  builderRootfs: string;
  /** A derived builder image's extra Debian packages, sorted; absent for the base image. */
  debianPackages?: string[];
  requirementWheels: Array<{ name: string; sha256: string }>;
  /** sha256 of the build environment those wheels were installed into (an `envs/` blob). */
  buildEnv: string;
  env: Record<string, string>;
  command: string[];
  limits: { memoryBytes: number; cpus: number; pids: number; fileSizeBytes: number };
}

export function inputDigest(inputs: BuildInputs): string {
  const requirementWheels = [...inputs.requirementWheels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return digestJson({ protocol: BUILD_PROTOCOL, ...inputs, requirementWheels });
}
