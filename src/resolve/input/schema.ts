import { z } from 'zod';

/** External lock formats: only the fields hbuild reads, with size bounds; other keys are ignored. */
const Text = z.string().max(4096);
const Hashes = z.record(z.string().max(32), z.string().max(256));

export const PylockFile = z.object({
  name: Text.optional(),
  url: Text.optional(),
  path: Text.optional(),
  size: z.number().int().nonnegative().optional(),
  'upload-time': z.unknown().optional(),
  hashes: Hashes.optional(),
});
export type PylockFile = z.infer<typeof PylockFile>;

export const PylockPackage = z.object({
  name: z.string().max(200),
  version: z.string().max(100).optional(),
  marker: Text.optional(),
  'requires-python': Text.optional(),
  index: Text.optional(),
  vcs: z.unknown().optional(),
  directory: z.unknown().optional(),
  archive: z.unknown().optional(),
  sdist: PylockFile.optional(),
  wheels: z.array(PylockFile).max(10_000).optional(),
});
export type PylockPackage = z.infer<typeof PylockPackage>;

export const Pylock = z.object({
  'lock-version': z.string().max(20),
  environments: z.array(Text).max(1000).optional(),
  'requires-python': Text.optional(),
  'default-groups': z.array(z.string().max(200)).max(1000).optional(),
  packages: z.array(PylockPackage).max(20_000),
});
export type Pylock = z.infer<typeof Pylock>;

export const UvEdge = z.object({
  name: z.string().max(200),
  version: z.string().max(100).optional(),
  marker: Text.optional(),
  extra: z.array(z.string().max(200)).max(100).optional(),
});
export type UvEdge = z.infer<typeof UvEdge>;

const UvFile = z.object({ url: Text.optional(), path: Text.optional(), hash: z.string().max(256).optional() });

export const UvPackage = z.object({
  name: z.string().max(200),
  version: z.string().max(100).optional(),
  source: z.record(z.string().max(40), z.unknown()).optional(),
  dependencies: z.array(UvEdge).max(10_000).optional(),
  'optional-dependencies': z.record(z.string().max(200), z.array(UvEdge).max(10_000)).optional(),
  'dev-dependencies': z.record(z.string().max(200), z.array(UvEdge).max(10_000)).optional(),
  sdist: UvFile.optional(),
  wheels: z.array(UvFile).max(10_000).optional(),
});
export type UvPackage = z.infer<typeof UvPackage>;

export const UvLock = z.object({
  version: z.number().int(),
  'requires-python': Text.optional(),
  package: z.array(UvPackage).max(20_000).default([]),
});
export type UvLock = z.infer<typeof UvLock>;
