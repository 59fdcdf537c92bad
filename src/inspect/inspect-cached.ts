import { inspectSdist, type InspectResult } from './sdist.js';
import type { Store } from '../store/store.js';
import { z } from 'zod';
import { digestJson } from '../core/digest.js';

/** A memoised inspection, checked field by field when read back. */
const InspectMemo: z.ZodType<InspectResult> = z.object({
  topDir: z.string(),
  members: z.number().int().nonnegative(),
  totalBytes: z.number().nonnegative(),
  treeDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  pkgInfo: z.object({ name: z.string(), version: z.string() }).nullable(),
  pyprojectToml: z.string().nullable(),
  setupPy: z.boolean(),
});

/** Bumped when inspection rules change, so results of older rules are not reused. */
const INSPECT_VERSION = 'inspect/1';

/**
 * An sdist's inspection is a pure function of its bytes, and store blobs are
 * content-addressed and re-verified on read: a verified sdist inspected before
 * need not be unpacked again. Only passing results are kept; a refusal is
 * recomputed (and thrown) every time.
 */
export async function inspectCached(
  store: Store,
  path: string,
  sha256: string,
  expect: { name: string; version: string },
  gate: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
): Promise<InspectResult> {
  const key = digestJson({ v: INSPECT_VERSION, sha256, expect });
  const hit = await store.readMemo('inspections', key, InspectMemo);
  if (hit) return hit;
  // Unpacking is the costly part: `gate` bounds how many a run does at once.
  const result = await gate(() => inspectSdist(path, { expect }));
  await store.writeMemo('inspections', key, result);
  return result;
}
