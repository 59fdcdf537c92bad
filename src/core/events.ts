/** Stages of one package's way through the pipeline, in order. */
export type PackageStage = 'fetch' | 'inspect' | 'vet' | 'build' | 'check' | 'publish';

/**
 * Where a package is. `waiting`: its work waits for build requirements (`waitingFor` names them).
 * `cancelled`: stopped by Ctrl-C, a daemon cancel or `--fail-fast`, not failed by itself.
 * `not-reproducible`: verification built it, and the builds differ.
 */
export type PackageStatus = 'queued' | 'waiting' | 'running' | 'done' | 'cached' | 'failed' | 'skipped' | 'cancelled' | 'not-reproducible';

/** What a run was: the words of its progress and result line depend on it. */
export type RunKind = 'build' | 'verify';

/** How a run ended; each matches one exit code (see `runStatusFor` in pipeline/summary.ts). */
export type RunStatus = 'done' | 'failed' | 'cancelled' | 'not-reproducible';

export type RunStartEvent = { type: 'run'; status: 'start'; packages: number; jobs: number; kind?: RunKind };

/**
 * The end of a run. `ok` counts accepted packages (built or cached; for verify: reproducible),
 * `failed` those that failed themselves; the optional counts say what else happened to the rest.
 */
export type RunEndEvent = {
  type: 'run';
  status: RunStatus;
  kind?: RunKind;
  ok: number;
  failed: number;
  cached: number;
  seconds: number;
  /** Not built because a build requirement failed (verify: could not be judged). */
  skipped?: number;
  cancelled?: number;
  /** verify: builds that differ from each other. */
  notReproducible?: number;
  /** verify: builds that agree with each other but not with the pin. */
  pinMismatch?: number;
};

export type PackageEvent = {
  type: 'package';
  name: string;
  version: string;
  stage: PackageStage;
  status: PackageStatus;
  message?: string;
  seconds?: number;
  /** With status `waiting`: the build requirements not yet settled, by name. */
  waitingFor?: string[];
  /** The Docker engine the build ran on (a pool's member), on the build's running and done events. */
  engine?: string;
  /** The target it is for, in a lock with several (each package goes through the stages once per target). */
  target?: string;
};

export type LogEvent = { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; details?: Record<string, unknown> };

export type HbuildEvent = RunStartEvent | RunEndEvent | PackageEvent | LogEvent;
