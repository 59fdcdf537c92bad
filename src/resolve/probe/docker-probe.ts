import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { buildEnvironment } from '../../builder/container-command.js';
import { PACKAGE_LABEL, type ContainerLimits, type Engine } from '../../engine/index.js';
import { HbuildError } from '../../core/errors.js';
import type { HbuildEvent } from '../../core/events.js';
import { repackSdist } from '../../inspect/sdist.js';
import type { Plan } from '../../lockfile/plan.js';
import { runBuilds } from '../../pipeline/run-builds.js';
import { HookAction } from '../../store/records.js';
import { debianPackages, readRecipe } from '../../recipe/read-recipe.js';
import type { BuilderImages } from '../../pipeline/builder-images.js';
import type { Store } from '../../store/store.js';
import { digestJson, sha256 } from '../../core/digest.js';
import type { BuildProbe, ProbeWheel } from '../types.js';
import { HOOK_PROTOCOL, HOOK_SCRIPT, hookCommand } from './hook-script.js';
import { probeInputTar, readHookAnswer } from './probe-tar.js';
import { readRequiresDist } from '../../check/requires-dist.js';
import { packageId } from '../../lockfile/package-ids.js';

export interface DockerProbeOptions {
  engine: Engine;
  store: Store;
  image: { imageId: string; rootfs: string };
  /** Derived builder images for recipes that name Debian packages: hooks and builds of those run there. */
  images?: BuilderImages;
  sourceDateEpoch: number;
  recipesDir: string;
  limits: ContainerLimits;
  log: Logger;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
}

/**
 * The real builder: hooks and builds run in the pinned builder image, network-less and
 * locked down like every build. Hook answers are kept in the store under a digest of all
 * their inputs, and builds go through the build pipeline's own cache, so a second
 * `hbuild lock` (or `--check`) repeats no container run.
 */
export function createDockerProbe(options: DockerProbeOptions): BuildProbe {
  const { store, log } = options;
  return {
    async dynamicRequires(target, env) {
      const recipe = await readRecipe(options.recipesDir, target.name);
      const configSettings = recipe?.recipe['config-settings'];
      const spec = { backend: target.buildSystem.backend, backend_path: target.buildSystem.backendPath, config_settings: configSettings ?? null };
      const environment = buildEnvironment(options.sourceDateEpoch, recipe?.recipe.env);
      const packages = debianPackages(recipe);
      const derived = packages.length > 0 && options.images ? await options.images.forPackage(target.name, packages, undefined, true) : undefined;
      const rootfs = derived?.rootfs ?? options.image.rootfs;
      const digest = digestJson({
        protocol: HOOK_PROTOCOL,
        sdist: target.sdist.sha256,
        rootfs,
        wheels: env.map((w) => w.sha256).sort(),
        spec,
        environment,
        script: sha256(HOOK_SCRIPT),
        command: hookCommand(),
      });
      const cached = await store.readAction(digest, HookAction);
      if (cached?.protocol === HOOK_PROTOCOL) return cached.requires;

      const what = `get_requires_for_build_wheel of ${target.name} ${target.version}`;
      const scratch = await store.scratchDir(`requires-${target.name}-${target.version}`);
      try {
        const imageId = derived ? (await derived.connect()).imageId : options.image.imageId;
        const outcome = await options.engine.run(
          {
            imageId,
            cmd: hookCommand(),
            env: environment,
            limits: { ...options.limits, timeoutMs: Math.min(options.limits.timeoutMs, 10 * 60_000) },
            inputs: [
              () => probeInputTar(env, { 'hook.py': HOOK_SCRIPT, 'spec.json': JSON.stringify(spec) }),
              () => repackSdist(target.sdistPath, { prefix: 'src', uid: 1000, gid: 1000 }),
            ],
            logPath: join(scratch, 'hook.log'),
            labels: { [PACKAGE_LABEL]: `${target.name}==${target.version}` },
          },
          (tar) => readHookAnswer(tar, what),
          options.signal,
        ).catch((err: unknown) => {
          if (err instanceof HbuildError && err.code !== 'ERR_CANCELLED') err.message = `${what}: ${err.message}`;
          throw err;
        });
        await store.writeAction(digest, { protocol: HOOK_PROTOCOL, package: `${target.name}==${target.version}`, requires: outcome.output });
        log.info({ pkg: target.name, version: target.version, requires: outcome.output }, 'dynamic build requirements');
        return outcome.output;
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },

    async buildWheel(target, packages) {
      const plan: Plan = {
        lockPath: '(hbuild lock)',
        target: 'lock',
        builder: { image: 'lock', rootfs: options.image.rootfs },
        sourceDateEpoch: options.sourceDateEpoch,
        packages: packages.map(({ pinned, buildRequires }) => ({
          name: pinned.name,
          key: packageId(pinned.name, pinned.version),
          version: pinned.version,
          sdist: { file: pinned.sdist.file, sha256: pinned.sdist.sha256, size: pinned.sdist.size },
          buildRequires,
        })),
      };
      const result = await runBuilds({
        plan,
        store,
        builder: async () => ({ engine: options.engine, imageId: options.image.imageId }),
        ...(options.images ? { images: options.images } : {}),
        frame: { limits: options.limits, sourceDateEpoch: options.sourceDateEpoch, builderRootfs: options.image.rootfs },
        indexUrl: () => Promise.reject(new HbuildError('ERR_INTERNAL', 'hbuild lock builds only sdists it has put into the store')),
        sdistDirs: [],
        jobs: 1,
        record: true,
        failFast: true,
        recipesDir: options.recipesDir,
        // Backends built to ask their hooks are vetted like any build; their age was judged when they were picked.
        vet: { mode: 'enforce', minAgeDays: 0 },
        log,
        emit: options.emit,
        signal: options.signal,
      });
      const failure = result.failures.find((f) => f.error.code !== 'ERR_DEPENDENCY_FAILED') ?? result.failures[0];
      if (failure) {
        failure.error.message = `building ${failure.name} ${failure.version} (hbuild lock reads its wheel's metadata) failed: ${failure.error.message}`;
        throw failure.error;
      }
      const record = result.records.find((r) => r.name === target.name && r.version === target.version);
      if (!record) throw new Error(`buildWheel: no record for ${target.name}`);
      const path = store.blobPath('wheels', record.wheel.sha256);
      const wheel: ProbeWheel = { name: target.name, ...record.wheel, path, requiresDist: await readRequiresDist(path, record.wheel.file) };
      return wheel;
    },
  };
}

