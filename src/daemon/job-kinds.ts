import { runBuildJob } from './build-job.js';
import type { JobKinds, JobRunner } from './job-runner.js';
import type { JobKind } from './schema.js';
import { verifyJobRunner } from './verify-job.js';
import { runVetJob } from './vet-job.js';

export function createJobKinds(): JobKinds {
  const runners = new Map<JobKind, JobRunner>();
  return {
    registerJobKind(kind, runner) {
      if (runners.has(kind)) throw new Error(`job kind ${kind} is registered twice`);
      runners.set(kind, runner);
    },
    runnerFor: (kind) => runners.get(kind),
  };
}

/** The kinds this daemon runs: build, verify and vet, each exactly the CLI command of that name. */
export function defaultJobKinds(): JobKinds {
  const kinds = createJobKinds();
  kinds.registerJobKind('build', runBuildJob);
  kinds.registerJobKind('verify', verifyJobRunner);
  kinds.registerJobKind('vet', runVetJob);
  return kinds;
}

