import { HbuildError } from '../core/errors.js';

/**
 * The OCI runtimes a build container can run under. `runc` is Docker's default: the build
 * shares the host kernel behind namespaces, seccomp and cgroups. `runsc` is gVisor: a
 * user-space kernel answers the build's system calls, so a host kernel bug is much harder
 * to reach. Keep this module cheap to import: the option table reads it.
 */
export const RUNTIMES = ['runc', 'runsc'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Passed explicitly, so an engine whose `default-runtime` is something else still runs runc. */
export const DEFAULT_RUNTIME: Runtime = 'runc';

/** Just the part of the Docker client the runtime check needs. */
export interface RuntimeInfoSource {
  info(): Promise<{ Runtimes?: Record<string, unknown> | null }>;
}

/** The runtimes an engine has registered, from `docker info`; undefined when the engine does not say. */
export async function registeredRuntimes(docker: RuntimeInfoSource): Promise<ReadonlySet<string> | undefined> {
  const info = await docker.info();
  return info.Runtimes == null ? undefined : new Set(Object.keys(info.Runtimes));
}

/**
 * Whether containers can be created under `runtime`. An engine that lists no runtimes at
 * all (a Docker-compatible engine) is trusted with runc, its default, and nothing else.
 */
export function hasRuntime(registered: ReadonlySet<string> | undefined, runtime: Runtime): boolean {
  return registered === undefined ? runtime === DEFAULT_RUNTIME : registered.has(runtime);
}

/** The error for an engine that does not have `runtime`: which engine, what it has, how to register it. */
export function runtimeUnavailable(runtime: Runtime, address: string, registered: ReadonlySet<string> | undefined, cause?: unknown): HbuildError {
  const has = registered === undefined ? 'does not list its runtimes' : `has ${[...registered].sort().join(', ') || 'none'}`;
  return new HbuildError('ERR_DOCKER_UNAVAILABLE', `the Docker engine at ${address} has no runtime '${runtime}' (it ${has})`, {
    hint:
      runtime === 'runsc'
        ? 'as root, run scripts/setup.sh, or install runsc (Debian: apt-get install runsc), add ' +
          '"runtimes": {"runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--network=none"]}} to /etc/docker/daemon.json ' +
          'and reload dockerd (kill -HUP $(pidof dockerd)); or choose --runtime runc'
        : `register '${runtime}' with the engine, or choose another --runtime`,
    details: { runtime, engine: address, registered: registered === undefined ? null : [...registered].sort() },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Docker's answer to a container create naming a runtime it does not know: HTTP 400,
 * "Unknown runtime specified runsc" (20.10) or "unknown or invalid runtime name: runsc" (later).
 */
export function isUnknownRuntimeError(err: unknown): boolean {
  const { statusCode, message } = (err ?? {}) as { statusCode?: unknown; message?: unknown };
  return statusCode === 400 && typeof message === 'string' && /unknown runtime specified|unknown or invalid runtime name/i.test(message);
}
