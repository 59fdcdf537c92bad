import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { HbuildError } from '../core/errors.js';
import { withEngine } from './call.js';
import { connectDocker, describeEngine, engineOptions, type EngineAddress } from './connect.js';
import { quickSweep } from './quick-sweep.js';
import { runInContainer, type ContainerOutcome, type ContainerSpec } from './container.js';
import { hasImage, loadImageArchive, type ExpectedImage, type LoadedImage } from './image-load.js';
import { localBuilderPin, resolveBuilderImage, type BuilderPin } from './image-resolve.js';
import { DEFAULT_RUNTIME, hasRuntime, isUnknownRuntimeError, registeredRuntimes, runtimeUnavailable, type Runtime } from './runtime.js';
import { removeOwnContainers, removeStaleContainers } from './sweep.js';

/**
 * The one port to a container engine. Everything hbuild does with Docker goes
 * through it; the pipeline, `hbuild lock`, verify, the image command and the
 * daemon are handed one. A second runtime or a pool of engines is another
 * implementation of this interface.
 */
export interface Engine {
  /** Where the engine is, for messages (`unix:///var/run/docker.sock`). */
  readonly address: string;
  /** The OCI runtime every container of this engine runs under. */
  readonly runtime: Runtime;
  /**
   * This engine, on the same connection, with its containers under `runtime` (undefined: runc),
   * unless a runtime was chosen when it was created: the command line beats the lock.
   */
  withDefaultRuntime(runtime: Runtime | undefined): Engine;
  /** Connect and check that the engine answers and has this engine's runtime (ERR_DOCKER_UNAVAILABLE otherwise). */
  ping(): Promise<void>;
  /** The engine's version and Engine API version, as it reports them. */
  version(): Promise<EngineVersion>;
  /** Build slots this engine offers when nothing else says (a pool: the sum of its engines'); undefined: the run decides. */
  readonly slots?: number;
  /** Per-engine health and load, for `/metrics` and `hbuild engines`; only a pool keeps them. */
  stats?(): EngineStats[];
  /** Run one command in a fresh, locked-down container under this engine's runtime; see `runInContainer`. */
  run<T>(spec: ContainerSpec, takeOutput: (tar: Readable) => Promise<T>, signal: AbortSignal): Promise<ContainerOutcome<T>>;
  /** Remove the containers of hbuild processes of this host that died; how many. */
  sweepStale(): Promise<number>;
  /** Remove every container this process still owns; how many. */
  removeOwn(): Promise<number>;
  /** The local image that holds exactly the pinned rootfs (ERR_IMAGE_MISSING / ERR_IMAGE_MISMATCH otherwise). */
  resolveBuilderImage(pin: BuilderPin): Promise<LoadedImage>;
  /** The pin of the one local image built from images/<name>. */
  localBuilderPin(image: string): Promise<BuilderPin>;
  hasImage(expect: Pick<ExpectedImage, 'imageId' | 'rootfsDigest'>): Promise<boolean>;
  loadImage(archive: { stream: Readable; done: Promise<unknown> }, expect: ExpectedImage, opts: { log: Pick<Logger, 'info' | 'debug'>; signal?: AbortSignal }): Promise<LoadedImage>;
  /** The `docker save` archive of a local image, streamed. */
  saveImage(imageId: string): Promise<Readable>;
}

export interface EngineVersion {
  version: string;
  apiVersion: string;
}

/** One engine's standing in a pool, as `/metrics` and `hbuild engines` show it. */
export interface EngineStats {
  engine: string;
  /** ok: in use; down: left out (failed a check or lost mid-run) and re-checked periodically; unchecked: not yet needed. */
  health: 'ok' | 'down' | 'unchecked';
  /** Why it is down. */
  reason?: string;
  apiVersion?: string;
  slots: number;
  /** Slots held by builds running now. */
  busy: number;
  running: number;
  /** Builds finished on it (built or failed) since start. */
  builds: number;
  /** Builds that failed on it, including those lost with it. */
  failures: number;
  /** Times it was lost mid-run. */
  lost: number;
}

/** How an engine is created: `runtime` is a choice that beats the lock's (the command line's `--runtime`). */
export interface EngineOptions {
  runtime?: Runtime;
}

/**
 * A Docker engine, connected on first use: a run whose every wheel is cached never
 * loads the Docker client. A failed connection is not kept, so a long-running
 * daemon reconnects once the engine is back. The runtimes the engine has are asked
 * once per connection, before its first container; a missing one is asked again next
 * time, so a daemon sees a runtime registered while it runs (dockerd reloads on SIGHUP).
 */
export function createEngine(address: EngineAddress = {}, options: EngineOptions = {}): Engine {
  const where = describeEngine(address);
  let client: Promise<Docker> | undefined;
  let runtimes: Promise<ReadonlySet<string> | undefined> | undefined;
  const forgetRuntimes = (): void => {
    runtimes = undefined;
  };
  const docker = (): Promise<Docker> =>
    (client ??= connectDocker(address).catch((err: unknown) => {
      client = undefined;
      forgetRuntimes();
      throw err;
    }));
  /** The client, once the engine is known to have `runtime`. */
  const dockerWith = async (runtime: Runtime): Promise<Docker> => {
    const connected = await docker();
    const asked = (runtimes ??= withEngine('list its runtimes', () => registeredRuntimes(connected)));
    const registered = await asked.catch((err: unknown) => {
      forgetRuntimes();
      throw err;
    });
    if (hasRuntime(registered, runtime)) return connected;
    forgetRuntimes();
    throw runtimeUnavailable(runtime, where, registered);
  };
  const sweepStale = async (): Promise<number> => {
    // Over a unix socket, before the client is loaded, two plain API calls do: a cached run stays light.
    const socketPath = client === undefined ? engineOptions(address).socketPath : undefined;
    if (socketPath === undefined) return removeStaleContainers(await docker());
    return quickSweep(socketPath).catch((err: unknown) => {
      throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `no Docker engine answers at ${where} (${(err as Error).message})`, {
        hint: 'start one (as root: `dockerd &`, or run scripts/setup.sh), or point --docker-host / DOCKER_HOST at a running engine',
        cause: err,
      });
    });
  };

  const view = (runtime: Runtime, chosen: boolean): Engine => ({
    address: where,
    runtime,
    withDefaultRuntime: (fallback) => (chosen ? view(runtime, true) : view(fallback ?? DEFAULT_RUNTIME, false)),
    ping: async () => {
      await dockerWith(runtime);
    },
    version: async () => {
      const connected = await docker();
      const answer = await withEngine('report its version', () => connected.version());
      return { version: String(answer.Version), apiVersion: String(answer.ApiVersion) };
    },
    run: async (spec, takeOutput, signal) => {
      const connected = await dockerWith(runtime);
      try {
        // Only a pool names the engine on an outcome: with one engine there is nothing to tell apart.
        return await runInContainer(connected, spec, takeOutput, signal, runtime, where);
      } catch (err) {
        // The engine lost the runtime after it was asked (restarted with another daemon.json).
        if (!isUnknownRuntimeError(err)) throw err;
        forgetRuntimes();
        throw runtimeUnavailable(runtime, where, await registeredRuntimes(connected).catch(() => undefined), err);
      }
    },
    sweepStale,
    removeOwn: async () => removeOwnContainers(await docker()),
    resolveBuilderImage: async (pin) => resolveBuilderImage(await docker(), pin),
    localBuilderPin: async (image) => localBuilderPin(await docker(), image),
    hasImage: async (expect) => hasImage(await docker(), expect),
    loadImage: async (archive, expect, opts) => loadImageArchive(await docker(), archive, expect, opts),
    saveImage: async (imageId) => {
      const connected = await docker();
      return (await withEngine('save an image', () => connected.getImage(imageId).get())) as unknown as Readable;
    },
  });
  return view(options.runtime ?? DEFAULT_RUNTIME, options.runtime !== undefined);
}

/** Start removing the containers of dead hbuild processes; the promise never rejects (a failure is logged). */
export function sweepLeftovers(engine: Engine, log: Logger): Promise<number> {
  return engine.sweepStale().then(
    (removed) => {
      if (removed > 0) log.warn({ removed, engine: engine.address }, 'removed containers left by a crashed hbuild');
      return removed;
    },
    (err: unknown) => {
      log.warn({ err, engine: engine.address }, 'could not sweep leftover containers');
      return 0;
    },
  );
}
