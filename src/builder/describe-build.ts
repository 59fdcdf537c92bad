import type { ContainerLimits } from '../engine/index.js';
import type { LoadedRecipe } from '../recipe/read-recipe.js';
import { buildCommand, buildEnvironment } from './container-command.js';
import type { BuildInputs } from './input-digest.js';

/** Everything a build is made of besides the bytes: the frame every build of a run shares. */
export interface BuildFrame {
  limits: ContainerLimits;
  sourceDateEpoch: number;
  builderRootfs: string;
  /** Extra Debian packages of a derived builder image (sorted); absent or empty for the base image. */
  debianPackages?: string[];
}

/** Everything that goes into a build and its input digest; pure. */
export function describeBuild(
  frame: BuildFrame,
  prepared: { fetched: { sha256: string }; inspected: { treeDigest: string }; recipe: LoadedRecipe | null },
  requirementWheels: Array<{ name: string; sha256: string }>,
  buildEnv: { sha256: string },
): { limits: ContainerLimits; configSettings: Record<string, string>; repair?: { platform: string }; inputs: BuildInputs } {
  const { recipe } = prepared;
  const limits = recipeLimits(frame.limits, recipe);
  const configSettings = recipe?.recipe['config-settings'] ?? {};
  const repair = recipe?.recipe.repair;
  const inputs: BuildInputs = {
    sdistSha256: prepared.fetched.sha256,
    treeDigest: prepared.inspected.treeDigest,
    recipeDigest: recipe?.digest ?? null,
    builderRootfs: frame.builderRootfs,
    ...(frame.debianPackages !== undefined && frame.debianPackages.length > 0 ? { debianPackages: [...frame.debianPackages] } : {}),
    requirementWheels: requirementWheels.map((w) => ({ name: w.name, sha256: w.sha256 })),
    buildEnv: buildEnv.sha256,
    env: buildEnvironment(frame.sourceDateEpoch, recipe?.recipe.env),
    // A repairing build's command names the platform and the repair step's digest.
    command: buildCommand(configSettings, {}, repair),
    limits: { memoryBytes: limits.memoryBytes, cpus: limits.cpus, pids: limits.pids, fileSizeBytes: limits.fileSizeBytes },
  };
  return { limits, configSettings, ...(repair ? { repair: { platform: repair.platform } } : {}), inputs };
}

/** The run's container limits, with a recipe's hints applied. */
export function recipeLimits(base: ContainerLimits, recipe: LoadedRecipe | null): ContainerLimits {
  const hints = recipe?.recipe.limits;
  if (!hints) return base;
  return {
    ...base,
    ...(hints['memory-mib'] ? { memoryBytes: hints['memory-mib'] * 2 ** 20 } : {}),
    ...(hints.cpus ? { cpus: hints.cpus } : {}),
    ...(hints['timeout-seconds'] ? { timeoutMs: hints['timeout-seconds'] * 1000 } : {}),
    ...(hints['disk-mib'] ? { diskBytes: hints['disk-mib'] * 2 ** 20 } : {}),
  };
}
