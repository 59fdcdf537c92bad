import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { BuildSummary } from '../pipeline/summary.js';
import { MAX_JOBS, MAX_PACKAGES, TargetName } from '../lockfile/schema.js';
import { BUILD_REQUIRE } from '../lockfile/package-ids.js';

export const JOB_KINDS = ['build', 'verify', 'vet'] as const;
export const JobKind = z.enum(JOB_KINDS);
export type JobKind = z.infer<typeof JobKind>;

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const JobState = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobState>;

/** Job ids are time-sortable: 9 base-36 digits of milliseconds, then 12 hex digits of randomness. */
export const JOB_ID = /^[0-9a-z]{9}[0-9a-f]{12}$/;
export const JobId = z.string().regex(JOB_ID, 'expected a job id');

export const AbsolutePath = z
  .string()
  .min(1)
  .max(4096, 'expected at most 4096 characters')
  .refine((p) => isAbsolute(p) && !/[\x00-\x1f]/.test(p), 'expected an absolute path without control characters');

export const JobOptions = z.strictObject({
  record: z.boolean().optional(),
  only: z.array(z.string().max(300).regex(BUILD_REQUIRE, 'expected a project name or name==version')).max(MAX_PACKAGES).optional(),
  /** One target of a lock with several (`--target`); default: every target. */
  target: TargetName.optional(),
  jobs: z.int().min(1).max(MAX_JOBS).optional(),
  failFast: z.boolean().optional(),
  /** Wheelhouse directory; must lie under the daemon's roots. Default: the job's own directory in the state dir. */
  out: AbsolutePath.optional(),
});
export type JobOptions = z.infer<typeof JobOptions>;

/** `POST /v1/jobs`: a lock by path (under the roots) or by content (kept in the state dir). */
export const SubmitRequest = z.strictObject({
  kind: JobKind,
  lock: z.union([z.strictObject({ path: AbsolutePath }), z.strictObject({ content: z.string() })]),
  options: JobOptions.default({}),
});
export type SubmitRequest = z.infer<typeof SubmitRequest>;


/** Kinds other than build describe themselves: a free-form summary and the text a client prints. */
export const OtherSummary = z.strictObject({ kind: z.string(), report: z.string().optional(), data: z.record(z.string(), z.unknown()).optional() });
export type OtherSummary = z.infer<typeof OtherSummary>;

export const JobError = z.strictObject({ code: z.string(), message: z.string(), hint: z.string().optional() });
export type JobError = z.infer<typeof JobError>;

export const Job = z.strictObject({
  id: JobId,
  kind: JobKind,
  /** Absolute path of the lock the job reads: the caller's file, or the copy of submitted content. */
  lockPath: z.string(),
  source: z.enum(['path', 'content', 'schedule']),
  schedule: z.string().optional(),
  options: JobOptions,
  outDir: z.string(),
  state: JobState,
  attempts: z.int().min(0),
  submittedAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  exitCode: z.int().optional(),
  summary: z.union([BuildSummary, OtherSummary]).optional(),
  error: JobError.optional(),
});
export type Job = z.infer<typeof Job>;

/** One line of the journal. `job` lines are full snapshots (submission, compaction); the rest are transitions. */
export const JournalEntry = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('job'), job: Job }),
  z.strictObject({ op: z.literal('start'), id: JobId, at: z.string(), pid: z.int() }),
  z.strictObject({ op: z.literal('requeue'), id: JobId, at: z.string(), reason: z.string() }),
  z.strictObject({
    op: z.literal('finish'),
    id: JobId,
    at: z.string(),
    state: z.enum(['succeeded', 'failed', 'cancelled']),
    exitCode: z.int(),
    summary: Job.shape.summary,
    error: JobError.optional(),
  }),
  z.strictObject({ op: z.literal('daemon'), pid: z.int(), host: z.string(), at: z.string() }),
]);
export type JournalEntry = z.infer<typeof JournalEntry>;

export const Schedule = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'expected 1-64 letters, digits, ".", "_" or "-"'),
  /** Absolute, or relative to the schedule file's directory. */
  lock: z.string().min(1).max(4096),
  /** Five fields (minute …) or six (second …), evaluated in `timezone`. */
  cron: z.string().min(1).max(200),
  kind: JobKind.default('verify'),
  timezone: z.string().max(64).optional(),
  options: JobOptions.omit({ out: true, record: true }).default({}),
});
export type Schedule = z.infer<typeof Schedule>;

export const ScheduleFile = z.strictObject({
  version: z.literal(1).optional(),
  schedules: z.array(Schedule).max(100, 'expected at most 100 schedules'),
});
export type ScheduleFile = z.infer<typeof ScheduleFile>;
