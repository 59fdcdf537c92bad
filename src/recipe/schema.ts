import { z } from 'zod';

/** Variables a recipe may not set: they define the build's hermetic frame. */
export const PROTECTED_ENV = /^(PATH|HOME|TMPDIR|SOURCE_DATE_EPOCH|PYTHONHASHSEED|PYTHONPATH|PYTHONHOME|PYTHONSTARTUP|LD_.*|PIP_.*|TZ|LC_ALL|LANG)$/;

const EnvName = z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'an upper-case environment variable name');

export const RecipeLimits = z.strictObject({
  'memory-mib': z.number().int().min(256).max(65_536).optional(),
  cpus: z.number().min(0.5).max(64).optional(),
  'timeout-seconds': z.number().int().min(10).max(86_400).optional(),
  'disk-mib': z.number().int().min(64).max(262_144).optional(),
});
export type RecipeLimits = z.infer<typeof RecipeLimits>;

/** A Debian binary package name, exactly as apt spells it: no version, architecture or pattern. */
export const DebianPackage = z.string().max(100).regex(/^[a-z0-9][a-z0-9+.-]+$/, 'a Debian package name (lowercase letters, digits, "+", "-", "."; no version or architecture)');

/**
 * A manylinux platform tag (PEP 600) for x86_64, the builder's architecture. auditwheel refuses a
 * glibc newer than the builder image's (bookworm: 2.36) when the wheel uses its symbols.
 */
export const RepairPlatform = z.string().regex(/^manylinux_2_([5-9]|[1-9][0-9])_x86_64$/, 'a manylinux platform tag for x86_64, e.g. manylinux_2_36_x86_64');

/** Repair the built wheel with auditwheel: vendor the system libraries it needs and tag it for `platform`. */
export const RecipeRepair = z.strictObject({ platform: RepairPlatform });
export type RecipeRepair = z.infer<typeof RecipeRepair>;

/** The Debian package auditwheel patches ELF files with; a recipe that repairs must name it. */
export const PATCHELF = 'patchelf';

/** recipes/<name>.yaml: how one package is built, beyond what its sdist says. */
export const Recipe = z.strictObject({
  /** Extra Debian packages: the build runs in a builder image derived from the base image with these added. */
  'debian-packages': z.array(DebianPackage).min(1).max(200).optional(),
  env: z
    .record(EnvName, z.string().max(4096))
    .refine((env) => Object.keys(env).every((k) => !PROTECTED_ENV.test(k)), 'sets a protected variable (PATH, HOME, SOURCE_DATE_EPOCH, PIP_*, LD_*, …)')
    .optional(),
  'config-settings': z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/), z.string().max(4096)).optional(),
  limits: RecipeLimits.optional(),
  /** Repair the wheel after build_wheel, with auditwheel from the build environment (see recipes/README.md). */
  repair: RecipeRepair.optional(),
  /** Vetting exceptions; checked by the vet stage. */
  vet: z.strictObject({ exceptions: z.array(z.unknown()).max(1000) }).optional(),
}).refine((r) => r.repair === undefined || (r['debian-packages'] ?? []).includes(PATCHELF), {
  message: `repair runs auditwheel, which needs Debian's ${PATCHELF}: add ${PATCHELF} to debian-packages`,
  path: ['debian-packages'],
});
export type Recipe = z.infer<typeof Recipe>;
