import { z } from 'zod';

/** The unprivileged account builds run as; names and ids end up in shell hooks, so they are tightly bounded. */
export const ImageUser = z.strictObject({
  name: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a lowercase POSIX user name'),
  uid: z.number().int().min(1).max(65533),
  gid: z.number().int().min(1).max(65533),
});
export type ImageUser = z.infer<typeof ImageUser>;

/** `images/<name>/image.yaml`: what mmdebstrap installs into a builder image's rootfs. */
export const ImageRecipe = z.strictObject({
  suite: z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a Debian suite name'),
  variant: z.union([
    z.literal('extract'),
    z.literal('custom'),
    z.literal('essential'),
    z.literal('apt'),
    z.literal('required'),
    z.literal('minbase'),
    z.literal('buildd'),
    z.literal('important'),
    z.literal('standard'),
  ]),
  'source-date-epoch': z.number().int().min(0).max(253402300799),
  /** CPython's full version in the image (Debian's python3): a target's Requires-Python and markers are evaluated for it. */
  python: z.string().regex(/^3\.\d{1,2}\.\d{1,3}$/, 'expected the full CPython version of the image, like 3.11.2'),
  packages: z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]+$/, 'expected a Debian package name')).min(1),
  user: ImageUser,
});
export type ImageRecipe = z.infer<typeof ImageRecipe>;

/** One Debian package that ships a shared object, and where. */
export const LibraryOwner = z.strictObject({
  package: z.string().max(200),
  version: z.string().max(200),
  path: z.string().max(4096),
});
export type LibraryOwner = z.infer<typeof LibraryOwner>;

/** A builder image's shared objects by file name, from its dpkg database: which package (and version) provided each. */
export const LibraryMap = z.strictObject({
  version: z.literal(1),
  rootfs: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  libraries: z.record(z.string().max(255), z.array(LibraryOwner).max(64)),
});
export type LibraryMap = z.infer<typeof LibraryMap>;
