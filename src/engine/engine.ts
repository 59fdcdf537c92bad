import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { HbuildError } from '../core/errors.js';
import { connectDocker, describeEngine, engineOptions, type EngineAddress } from './connect.js';
import { quickSweep } from './quick-sweep.js';
import { runInContainer, type ContainerOutcome, type ContainerSpec } from './container.js';
import { hasImage, loadImageArchive, type ExpectedImage, type LoadedImage } from './image-load.js';
import { localBuilderPin, resolveBuilderImage, type BuilderPin } from './image-resolve.js';
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
  /** Connect and check that the engine answers (ERR_DOCKER_UNAVAILABLE otherwise). */
  ping(): Promise<void>;
  /** Run one command in a fresh, locked-down container; see `runInContainer`. */
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
}

/**
 * A Docker engine, connected on first use: a run whose every wheel is cached never
 * loads the Docker client. A failed connection is not kept, so a long-running
 * daemon reconnects once the engine is back.
 */
export function createEngine(address: EngineAddress = {}): Engine {
  let client: Promise<Docker> | undefined;
  const docker = (): Promise<Docker> =>
    (client ??= connectDocker(address).catch((err: unknown) => {
      client = undefined;
      throw err;
    }));
  return {
    address: describeEngine(address),
    ping: async () => {
      await docker();
    },
    run: async (spec, takeOutput, signal) => runInContainer(await docker(), spec, takeOutput, signal, describeEngine(address)),
    sweepStale: async () => {
      // Over a unix socket, before the client is loaded, two plain API calls do: a cached run stays light.
      const socketPath = client === undefined ? engineOptions(address).socketPath : undefined;
      if (socketPath === undefined) return removeStaleContainers(await docker());
      return quickSweep(socketPath).catch((err: unknown) => {
        throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `no Docker engine answers at ${describeEngine(address)} (${(err as Error).message})`, {
          hint: 'start one (as root: `dockerd &`, or run scripts/setup.sh), or point --docker-host / DOCKER_HOST at a running engine',
          cause: err,
        });
      });
    },
    removeOwn: async () => removeOwnContainers(await docker()),
    resolveBuilderImage: async (pin) => resolveBuilderImage(await docker(), pin),
    localBuilderPin: async (image) => localBuilderPin(await docker(), image),
    hasImage: async (expect) => hasImage(await docker(), expect),
    loadImage: async (archive, expect, opts) => loadImageArchive(await docker(), archive, expect, opts),
  };
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
