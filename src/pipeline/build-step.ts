import { buildCommand, buildEnvironment } from '../builder/container-command.js';
import type { PackageStage } from '../core/events.js';
import type { FetchedSdist } from '../fetch/fetch-sdist.js';
import type { InspectResult } from '../inspect/sdist.js';
import type { PlannedPackage } from '../lockfile/plan.js';
import type { LoadedRecipe } from '../recipe/read-recipe.js';
import type { ContainerLimits } from '../engine/container-limits.js';
import { inputDigest, type BuildInputs } from '../builder/input-digest.js';
import type { RunOptions } from './run.js';
import type { PackageRecord } from '../wheelhouse/package-record.js';
import type { VetSummary } from '../vet/types.js';
import { buildFresh } from './fresh-build.js';
import { judge, reuse } from '../builder/action-cache.js';

export type BuildSetup = Pick<RunOptions, 'store' | 'engine' | 'builderRootfs' | 'plan' | 'limits' | 'record' | 'log' | 'emit' | 'signal'>;

/**
 * Build (or reuse) one package's wheel and judge it: a wheel is accepted only
 * when it is well-formed, names the locked project and version, and its sha256
 * equals the pin (or, with --record, when there is no pin yet).
 */
export async function buildAndCheck(
  setup: BuildSetup,
  pkg: PlannedPackage,
  prepared: { fetched: FetchedSdist; inspected: InspectResult; recipe: LoadedRecipe | null; vet: VetSummary },
  deps: PackageRecord[],
  timings: Record<string, number>,
  onStage: (stage: PackageStage) => void,
  /** Runs a real build within the run's --jobs and CPU-slot limits. */
  inSlot: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<PackageRecord> {
  const { store, emit } = setup;
  const { fetched, inspected, recipe } = prepared;
  const frame = { limits: setup.limits, sourceDateEpoch: setup.plan.sourceDateEpoch, builderRootfs: setup.builderRootfs };
  const { limits, configSettings, inputs } = describeBuild(frame, prepared, deps);
  const event = (stage: PackageStage, status: 'running' | 'done' | 'cached', message?: string): void =>
    emit({ type: 'package', name: pkg.name, version: pkg.version, stage, status, ...(message ? { message } : {}) });
  const requirementWheels = deps.map((d) => ({ name: d.name, file: d.wheel.file, sha256: d.wheel.sha256 }));
  const digest = inputDigest(inputs);
  const base = {
    name: pkg.name,
    version: pkg.version,
    sdist: { file: pkg.sdist.file, sha256: fetched.sha256, origin: fetched.origin },
    treeDigest: inspected.treeDigest,
    recipeDigest: recipe?.digest ?? null,
    builderRootfs: setup.builderRootfs,
    requirementWheels,
    inputDigest: digest,
    vet: prepared.vet,
  };

  const fromCache = async (): Promise<PackageRecord | null> => {
    const cached = await reuse(setup, digest, pkg.name);
    if (!cached) return null;
    const verdict = judge(pkg, cached.wheel, setup.record);
    event('build', 'cached');
    return { ...base, builderImageId: cached.builderImageId, log: cached.log, wheel: cached.wheel, verdict, cached: true, timings };
  };
  const hit = await fromCache();
  if (hit) return hit;

  return inSlot(async () => {
    // Another process on this store may be building the same inputs: wait for it, then look again.
    const release = await store.lockBuild(digest, setup.signal);
    try {
      return (await fromCache()) ?? (await buildFresh({ setup, pkg, prepared, deps, limits, configSettings, digest, base, timings, onStage, event }));
    } finally {
      await release();
    }
  });
}

/** Everything that goes into a build and its input digest; pure. */
export function describeBuild(
  frame: { limits: ContainerLimits; sourceDateEpoch: number; builderRootfs: string },
  prepared: { fetched: { sha256: string }; inspected: { treeDigest: string }; recipe: LoadedRecipe | null },
  deps: Array<Pick<PackageRecord, 'name' | 'wheel'>>,
): { limits: ContainerLimits; configSettings: Record<string, string>; inputs: BuildInputs } {
  const { recipe } = prepared;
  const limits = recipeLimits(frame.limits, recipe);
  const configSettings = recipe?.recipe['config-settings'] ?? {};
  const inputs: BuildInputs = {
    sdistSha256: prepared.fetched.sha256,
    treeDigest: prepared.inspected.treeDigest,
    recipeDigest: recipe?.digest ?? null,
    builderRootfs: frame.builderRootfs,
    requirementWheels: deps.map((d) => ({ name: d.name, sha256: d.wheel.sha256 })),
    env: buildEnvironment(frame.sourceDateEpoch, recipe?.recipe.env),
    command: buildCommand(configSettings),
    limits: { memoryBytes: limits.memoryBytes, cpus: limits.cpus, pids: limits.pids, fileSizeBytes: limits.fileSizeBytes },
  };
  return { limits, configSettings, inputs };
}

function recipeLimits(base: ContainerLimits, recipe: LoadedRecipe | null): ContainerLimits {
  const hints = recipe?.recipe.limits;
  if (!hints) return base;
  return {
    ...base,
    ...(hints['memory-mib'] ? { memoryBytes: hints['memory-mib'] * 2 ** 20 } : {}),
    ...(hints.cpus ? { cpus: hints.cpus } : {}),
    ...(hints['timeout-seconds'] ? { timeoutMs: hints['timeout-seconds'] * 1000 } : {}),
  };
}

