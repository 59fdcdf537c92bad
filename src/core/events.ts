/** Stages of one package's way through the pipeline, in order. */
export type PackageStage = 'fetch' | 'inspect' | 'vet' | 'build' | 'check' | 'publish';

export type PackageStatus = 'queued' | 'running' | 'done' | 'cached' | 'failed' | 'skipped';

export type HbuildEvent =
  | { type: 'run'; status: 'start'; packages: number; jobs: number }
  | { type: 'run'; status: 'done' | 'failed' | 'cancelled'; ok: number; failed: number; cached: number; seconds: number }
  | {
      type: 'package';
      name: string;
      version: string;
      stage: PackageStage;
      status: PackageStatus;
      message?: string;
      seconds?: number;
      /** The Docker engine the build ran on (a pool's member), on the build's running and done events. */
      engine?: string;
    }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; details?: Record<string, unknown> };
