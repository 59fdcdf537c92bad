import type { Logger } from 'pino';
import type { Engine } from '../engine/index.js';
import type { HbuildEvent } from '../core/events.js';
import type { Credentials } from '../fetch/index-client.js';
import type { Builder } from '../lockfile/schema.js';
import type { ExemptionRequest } from './policy.js';
import type { BuildProbe } from './types.js';

/** What `hbuild lock` is given: one-target and several-target locks alike. */
export interface LockOptions {
  /** requirements.txt, pylock.toml or uv.lock; absent with `add`. */
  input?: string;
  /** `name==version` pins to add to (or change in) the existing lock. */
  add?: string[];
  lockPath: string;
  /** Compute the lock and compare; write nothing. */
  check?: boolean;
  /** Index URLs, the first the primary; may carry credentials, which are never written or logged. */
  indexUrls: string[];
  /** name → index URL: the one index a name may come from. */
  pinIndex?: Record<string, string>;
  exempt?: ExemptionRequest;
  /** Quarantine in days (default 7); 0 turns it off. */
  minAgeDays?: number;
  now?: Date;
  /** Builder of a new lock; default: the local image `default`. An existing lock keeps its own. */
  builder?: Partial<Builder>;
  /**
   * Targets of a lock with several (`--target NAME=IMAGE`, at least two): a new lock gets them,
   * an existing one is re-locked for them (a one-target lock is migrated). Default: the existing lock's.
   */
  targets?: Array<{ name: string; image: string; rootfs?: string }>;
  storeRoot: string;
  recipesDir?: string;
  /** Derived builder images: recipes folder, where rootfs tars are kept, Debian mirror (as for hbuild build). */
  images?: { dir?: string; out?: string; mirror?: string };
  /** The container engine hooks and backend builds run on (default: DOCKER_HOST); reached only when one has to run. */
  engine?: Engine;
  /** Replaces the Docker builder (tests). */
  probe?: BuildProbe;
  credentialsFor?: (url: URL) => Credentials | undefined;
  log: Logger;
  emit: (event: HbuildEvent) => void;
  progress?: (message: string) => void;
  signal: AbortSignal;
}
