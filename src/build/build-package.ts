import type Docker from 'dockerode';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { extractWheel } from '../check/output.js';
import { repackSdist } from '../inspect/sdist.js';
import { runInContainer } from './container.js';
import { buildCommand, buildEnvironment } from './environment.js';
import type { ContainerLimits } from './limits.js';

export interface WheelInput {
  file: string;
  path: string;
  size: number;
}

export interface BuildRequest {
  name: string;
  version: string;
  sdistPath: string;
  requirementWheels: WheelInput[];
  imageId: string;
  sourceDateEpoch: number;
  env?: Record<string, string>;
  configSettings?: Record<string, string>;
  limits: ContainerLimits;
  /** Where the wheel is written (a directory of ours, not yet the store). */
  outDir: string;
  logPath: string;
  labels?: Record<string, string>;
}

export interface BuiltWheel {
  file: string;
  path: string;
  sha256: string;
  size: number;
  seconds: number;
  logDroppedBytes: number;
}

const BUILDER_UID = 1000;
const BUILDER_GID = 1000;

/** Build one sdist into one wheel inside a fresh network-less container. */
export async function buildPackage(docker: Docker, request: BuildRequest, signal: AbortSignal): Promise<BuiltWheel> {
  const outcome = await runInContainer(
    docker,
    {
      imageId: request.imageId,
      cmd: buildCommand(request.configSettings),
      env: buildEnvironment(request.sourceDateEpoch, request.env),
      limits: request.limits,
      inputs: [() => scaffoldTar(request.requirementWheels), () => repackSdist(request.sdistPath, { prefix: 'src', uid: BUILDER_UID, gid: BUILDER_GID })],
      logPath: request.logPath,
      labels: { 'org.hbuild.package': `${request.name}==${request.version}`, ...request.labels },
    },
    (tar) => extractWheel(tar, request.outDir, { maxBytes: request.limits.outputBytes }),
    signal,
  );
  return { ...outcome.output, seconds: outcome.seconds, logDroppedBytes: outcome.logDroppedBytes };
}

/** The directories a build needs, and the build-requirement wheels, owned by the builder user. */
function scaffoldTar(wheels: WheelInput[]): Readable {
  const archive = pack();
  const owner = { uid: BUILDER_UID, gid: BUILDER_GID, mtime: new Date(0) };
  const addWheels = async (): Promise<void> => {
    for (const name of ['home', 'out', 'wheels']) {
      archive.entry({ name: `${name}/`, type: 'directory', mode: 0o755, ...owner });
    }
    for (const wheel of wheels) {
      await new Promise<void>((resolve, reject) => {
        const entry = archive.entry({ name: `wheels/${wheel.file}`, type: 'file', mode: 0o644, size: wheel.size, ...owner }, (err) =>
          err ? reject(err) : resolve(),
        );
        createReadStream(wheel.path).on('error', reject).pipe(entry);
      });
    }
    archive.finalize();
  };
  addWheels().catch((err: unknown) => archive.destroy(err as Error));
  return archive as unknown as Readable;
}
