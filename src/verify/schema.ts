import { z } from 'zod';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Status = z.enum(['identical', 'differed', 'failed', 'inconclusive']);

export const HistoryPackage = z.strictObject({
  /** The target it was rebuilt for, in a lock with several. */
  target: z.string().max(32).optional(),
  name: z.string().max(200),
  version: z.string().max(100),
  sdistSha256: Sha256,
  status: Status,
  reproducible: z.boolean().nullable(),
  pin: z.enum(['match', 'mismatch', 'unpinned', 'unknown']),
  wheelSha256: Sha256.optional(),
  culprits: z.array(z.string().max(40)).max(50),
});
export type HistoryPackage = z.infer<typeof HistoryPackage>;

/** One verification run as recorded in `<store>/verify/<time>-<lock digest>.json`. */
export const HistoryRecord = z.strictObject({
  format: z.literal('hbuild-verify-history/1'),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  lock: z.strictObject({ path: z.string().max(4096), sha256: Sha256 }),
  variations: z.array(z.string().max(40)).max(50),
  outcome: z.enum(['reproducible', 'not-reproducible', 'pin-mismatch', 'build-failed', 'inconclusive']),
  reportDir: z.string().max(4096),
  packages: z.array(HistoryPackage).max(10_000),
});
export type HistoryRecord = z.infer<typeof HistoryRecord>;
