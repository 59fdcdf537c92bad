import { open } from 'node:fs/promises';
import { z } from 'zod';

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);
const FileName = z.string().min(1).max(255);

/** What `actions/<input digest>.json` records about one accepted build: its inputs' digest and its outputs. */
export const BuildAction = z.object({
  inputDigest: Sha256Hex,
  wheel: z.object({ file: FileName, sha256: Sha256Hex, size: z.number().int().nonnegative() }),
  log: z.object({ sha256: Sha256Hex, droppedBytes: z.number().int().nonnegative() }),
  treeDigest: z.string().max(100),
  builderImageId: z.string().max(200),
  /** The build environment the build ran in (an `envs/` blob); absent in records of older protocols. */
  buildEnv: z.object({ sha256: Sha256Hex }).optional(),
  seconds: z.number().nonnegative(),
});
export type BuildAction = z.infer<typeof BuildAction>;

/** What `actions/<digest>.json` records about one `get_requires_for_build_wheel` run of `hbuild lock`. */
export const HookAction = z.object({
  protocol: z.string().max(100),
  package: z.string().max(300),
  requires: z.array(z.string().max(1000)).max(10_000),
});
export type HookAction = z.infer<typeof HookAction>;

/** `env-keys/<key>.json`: which build environment a set of build-requirement wheels was installed into. */
export const BuildEnvRecord = z.object({
  key: Sha256Hex,
  sha256: Sha256Hex,
  size: z.number().int().nonnegative(),
});
export type BuildEnvRecord = z.infer<typeof BuildEnvRecord>;

/** A memoised result: checked field by field when read, since the store is only as trusted as the home directory. */
export interface MemoCheck<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false };
}

/** Records and memos are small; anything larger is not ours and is ignored. */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** Read a small JSON record and check it; a missing, oversized, unparsable or ill-shaped one is null. */
export async function readRecord<T>(path: string, schema: MemoCheck<T>): Promise<T | null> {
  let text: string;
  try {
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      if (size > MAX_RECORD_BYTES) return null;
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : null;
}
