import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import { extractWheel } from '../check/output.js';
import { repackSdist } from '../inspect/sdist.js';
import { PACKAGE_LABEL, type ContainerLimits, type Engine } from '../engine/index.js';
import { HbuildError, isHbuildError } from '../core/errors.js';
import { buildCommand, buildEnvironment } from './container-command.js';
import { FRONTEND_PY, SITECUSTOMIZE_PY } from './frontend-script.js';
import { REQUIREMENTS_PY } from './requirement-reader.js';
import { REPAIR_PY } from './repair-script.js';

/** A build-requirement wheel in the store. */
export interface WheelInput {
  file: string;
  path: string;
  size: number;
  sha256: string;
}

/** A build environment's tar (an `envs/` store blob, verified), streamed in as it is. */
export interface EnvInput {
  path: string;
  sha256: string;
}

export interface BuildRequest {
  name: string;
  version: string;
  sdistPath: string;
  /** The environment with the build requirements installed, from ensureBuildEnv and verifiedBuildEnv. */
  buildEnv: EnvInput;
  imageId: string;
  sourceDateEpoch: number;
  env?: Record<string, string>;
  configSettings?: Record<string, string>;
  /** The recipe's repair: auditwheel repairs the wheel for this platform inside the same container. */
  repair?: { platform: string };
  limits: ContainerLimits;
  /** Where the wheel is written (a directory of ours, not yet the store). */
  outDir: string;
  logPath: string;
  labels?: Record<string, string>;
  /** Departures from the standard build, for `hbuild verify`; absent means the standard build. */
  variation?: BuildVariation;
  /** Build slots the container takes on a pool's engine (the recipe's CPU weight). */
  slots?: number;
  /** Told which engine of a pool the build goes to. */
  onEngine?: (engine: string) => void;
  /** See ContainerSpec.deferRemoval. */
  deferRemoval?: (removal: Promise<void>) => void;
}

/**
 * How a verification build differs from the standard one. Every field is
 * optional; paths are relative to /build and made of plain name segments.
 */
export interface BuildVariation {
  /** Where the source tree goes (standard: `src`); its parents are created for the build user. */
  srcDir?: string;
  /** Further directories to create for the build user, e.g. a varied HOME. */
  dirs?: string[];
  /** Added to (or replacing entries of) the standard environment. */
  env?: Record<string, string>;
  umask?: string;
  reverseEnv?: boolean;
  uname26?: boolean;
  hostname?: string;
  domainname?: string;
  cpuset?: string;
  /** Build user and group; the input tars are owned by them (standard: 1000:1000). */
  uid?: number;
  gid?: number;
  /** Order in which the source tree's files are created (standard: as in the sdist). */
  sourceOrder?: 'archive' | 'reverse';
}

export interface BuiltWheel {
  file: string;
  path: string;
  sha256: string;
  size: number;
  seconds: number;
  logDroppedBytes: number;
  /** The engine that built it. */
  engine?: string;
}

const BUILDER_UID = 1000;
const BUILDER_GID = 1000;

/** Build one sdist into one wheel inside a fresh network-less container. */
export async function buildPackage(engine: Engine, request: BuildRequest, signal: AbortSignal): Promise<BuiltWheel> {
  const variation = request.variation ?? {};
  const owner = { uid: variation.uid ?? BUILDER_UID, gid: variation.gid ?? BUILDER_GID };
  const srcDir = checkRelative(variation.srcDir ?? 'src');
  const dirs = [...parentsOf(srcDir), ...(variation.dirs ?? []).map(checkRelative)];
  const repackOrder = variation.sourceOrder === 'reverse' ? { order: 'reverse' as const, spoolDir: request.outDir } : {};
  const outcome = await engine.run(
    {
      imageId: request.imageId,
      cmd: buildCommand(
        request.configSettings,
        request.variation ? { umask: variation.umask, srcDir: `/build/${srcDir}`, reverseEnv: variation.reverseEnv, uname26: variation.uname26 } : {},
        request.repair,
      ),
      env: buildEnvironment(request.sourceDateEpoch, { ...request.env, ...variation.env }),
      limits: request.limits,
      inputs: [
        () => scaffoldTar(owner, dirs, request.repair !== undefined),
        () => createReadStream(request.buildEnv.path),
        () => repackSdist(request.sdistPath, { prefix: srcDir, ...owner, ...repackOrder }),
      ],
      logPath: request.logPath,
      labels: { ...request.labels, [PACKAGE_LABEL]: `${request.name}==${request.version}` },
      ...(variation.uid === undefined && variation.gid === undefined ? {} : { user: `${owner.uid}:${owner.gid}` }),
      ...(variation.hostname === undefined ? {} : { hostname: variation.hostname }),
      ...(variation.domainname === undefined ? {} : { domainname: variation.domainname }),
      ...(variation.cpuset === undefined ? {} : { cpuset: variation.cpuset }),
      ...(request.slots === undefined ? {} : { slots: request.slots }),
      ...(request.onEngine === undefined ? {} : { onEngine: request.onEngine }),
      ...(request.deferRemoval === undefined ? {} : { deferRemoval: request.deferRemoval }),
    },
    (tar) => extractWheel(tar, request.outDir, { maxBytes: request.limits.outputBytes }),
    signal,
  ).catch((err: unknown) => {
    throw frontendError(err, request.name) ?? err;
  });
  return { ...outcome.output, seconds: outcome.seconds, logDroppedBytes: outcome.logDroppedBytes, ...(outcome.engine === undefined ? {} : { engine: outcome.engine }) };
}

const RELATIVE = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

function checkRelative(path: string): string {
  if (!RELATIVE.test(path)) throw new Error(`not a plain relative path under /build: ${path}`);
  return path;
}

function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** The directories a build needs and the frontend, owned by the builder user. */
function scaffoldTar(ids: { uid: number; gid: number }, dirs: string[], repair: boolean): Readable {
  const archive = pack();
  const owner = { ...ids, mtime: new Date(0) };
  for (const name of ['home', 'out', 'hbuild', 'hbuild/site', ...(repair ? ['unrepaired'] : []), ...dirs]) {
    archive.entry({ name: `${name}/`, type: 'directory', mode: 0o755, ...owner });
  }
  archive.entry({ name: 'hbuild/frontend.py', type: 'file', mode: 0o444, ...owner }, FRONTEND_PY);
  archive.entry({ name: 'hbuild/_hbuild_requirements.py', type: 'file', mode: 0o444, ...owner }, REQUIREMENTS_PY);
  archive.entry({ name: 'hbuild/site/sitecustomize.py', type: 'file', mode: 0o444, ...owner }, SITECUSTOMIZE_PY);
  if (repair) archive.entry({ name: 'hbuild/repair.py', type: 'file', mode: 0o444, ...owner }, REPAIR_PY);
  archive.finalize();
  return archive as unknown as Readable;
}

/** Exit 4 of the frontend: a build requirement the environment lacks; the frontend's own line names it. */
const MISSING_REQUIREMENT = 4;
/** Exit 6 of the repair step: auditwheel refused or failed to repair the wheel. */
const REPAIR_FAILED = 6;

function frontendError(err: unknown, name: string): HbuildError | undefined {
  const code = isHbuildError(err, 'ERR_BUILD_FAILED') ? err.details.exitCode : undefined;
  if (!isHbuildError(err) || (code !== MISSING_REQUIREMENT && code !== REPAIR_FAILED)) return undefined;
  const tail = typeof err.details.logTail === 'string' ? err.details.logTail : '';
  const line = tail.split('\n').reverse().find((l) => l.startsWith('hbuild-frontend: error: '));
  if (!line) return undefined;
  return new HbuildError('ERR_BUILD_FAILED', `${name}: ${line.slice('hbuild-frontend: error: '.length)}`, {
    hint:
      code === REPAIR_FAILED
        ? `read auditwheel's reason in the build log; pick a platform the builder's glibc and the wheel's symbols allow, or drop repair from ${name}'s recipe`
        : /patchelf/.test(line)
          ? `add patchelf to the debian-packages of ${name}'s recipe`
          : `add the missing requirement to ${name}'s build-requires in the lock (\`hbuild lock\` finds them, auditwheel too when the recipe repairs), so it is built and installed into the build environment`,
    details: err.details,
    cause: err,
  });
}
