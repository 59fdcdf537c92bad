import type { Logger } from 'pino';
import { HbuildError } from '../core/errors.js';
import { createEngine, type BuilderPin, type Engine, type EngineStats, type Runtime } from '../engine/index.js';
import type { PoolImage } from './builder-archive.js';
import { probeEngine } from './probe.js';
import type { PoolMemberConfig } from './read-config.js';

/** The oldest Engine API hbuild supports (README: "API 1.41+"). */
export const MIN_API_VERSION = '1.41';

/** One engine of a pool and what the pool knows of it. */
export interface Member {
  readonly name: string;
  readonly slots: number;
  /** The engine, under the pool's chosen runtime or none. */
  readonly base: Engine;
  health: EngineStats['health'];
  reason?: string;
  apiVersion?: string;
  busy: number;
  running: number;
  builds: number;
  failures: number;
  lost: number;
  /** Builder images checked and ready here, by check key (runtime and pool image ID): this engine's image ID. */
  ready: Map<string, string>;
  /** Checks under way, by check key. */
  checking: Map<string, Promise<void>>;
  /** Runtimes the probe container passed under. */
  probed: Set<Runtime>;
}

export function createMember(config: PoolMemberConfig, runtime: Runtime | undefined, make: typeof createEngine = createEngine): Member {
  return {
    name: config.name,
    slots: config.slots,
    base: make(config.address, runtime === undefined ? {} : { runtime }),
    health: 'unchecked',
    busy: 0,
    running: 0,
    builds: 0,
    failures: 0,
    lost: 0,
    ready: new Map(),
    checking: new Map(),
    probed: new Set(),
  };
}

/** What the pool builds with under one runtime: the key its checks and slots are kept under. */
export interface CheckTarget {
  runtime: Runtime;
  pin: BuilderPin;
  image: PoolImage;
}

export function checkKey(runtime: Runtime, imageId: string): string {
  return `${runtime}\u0000${imageId}`;
}

/** Compare dotted API versions numerically (`1.41` < `1.43` < `1.100`). */
export function apiAtLeast(actual: string, minimum: string): boolean {
  const a = actual.split('.').map(Number);
  const m = minimum.split('.').map(Number);
  for (let i = 0; i < Math.max(a.length, m.length); i++) {
    const x = a[i] ?? 0;
    const y = m[i] ?? 0;
    if (!Number.isFinite(x)) return false;
    if (x !== y) return x > y;
  }
  return true;
}

/**
 * Every check an engine passes before a build runs on it: its Engine API version, the
 * pool's builder image (loaded from the deterministic archive where it is missing, its
 * digest verified), and a probe container under the full hardening. Throws what failed.
 */
export async function checkMember(member: Member, target: CheckTarget, log: Logger, signal: AbortSignal): Promise<string> {
  const engine = member.base.withDefaultRuntime(target.runtime);
  const version = await engine.version();
  member.apiVersion = version.apiVersion;
  if (!apiAtLeast(version.apiVersion, MIN_API_VERSION)) {
    throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `Engine API ${version.apiVersion} is older than ${MIN_API_VERSION}`, { hint: 'upgrade Docker on that host' });
  }
  const loaded = await target.image.provide(engine, log);
  if (loaded.imageId !== target.image.imageId) {
    throw new HbuildError('ERR_IMAGE_MISMATCH', `holds builder image ${loaded.imageId}, the pool builds with ${target.image.imageId}`);
  }
  if (!member.probed.has(target.runtime)) {
    const problem = await probeEngine(engine, loaded.imageId, signal);
    if (problem !== undefined) throw new HbuildError('ERR_DOCKER_UNAVAILABLE', problem, { hint: 'check the daemon.json and runtime of that engine' });
    member.probed.add(target.runtime);
  }
  return loaded.imageId;
}

/** A member's failure, in one line for warnings and stats. */
export function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
