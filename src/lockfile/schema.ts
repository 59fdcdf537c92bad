import { valid } from '@renovatebot/pep440';
import { z } from 'zod';
import { PROJECT_NAME } from '../core/pep503.js';
import { BUILD_REQUIRE } from './package-ids.js';

/** 1980-01-01T00:00:00Z: zip cannot store earlier timestamps. */
export const MIN_SOURCE_DATE_EPOCH = 315_532_800;
/** 2107-12-31T23:59:59Z: zip cannot store later timestamps either. */
export const MAX_SOURCE_DATE_EPOCH = 4_354_819_199;
export const DEFAULT_SOURCE_DATE_EPOCH = MIN_SOURCE_DATE_EPOCH;
export const MAX_PACKAGES = 5000;
export const MAX_JOBS = 64;

const HEX64 = 'expected 64 lowercase hex characters';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, HEX64);

const ProjectName = z
  .string()
  .max(200, 'expected at most 200 characters')
  .regex(PROJECT_NAME, 'expected a PEP 508 project name (letters, digits, ".", "_", "-"; alphanumeric at both ends)');

/** A `build-requires` entry: a package of this lock as `name==version`, or a bare name the lock holds one version of. */
const BuildRequire = z
  .string()
  .max(300, 'expected at most 300 characters')
  .regex(BUILD_REQUIRE, 'expected name==version (or a bare project name), like flit-core==3.12.0')
  .refine((v) => !v.includes('==') || valid(v.slice(v.indexOf('==') + 2)) !== null, 'expected a valid PEP 440 version after ==');

const NAME = '[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?';
/** `name` or `name[extra,extra]`, no spaces: the form `inputs` entries take. */
export const INPUT_REQUIREMENT = new RegExp(`^(${NAME})(?:\\[(${NAME}(?:,${NAME})*)\\])?$`);

const Version = z
  .string()
  .max(100, 'expected at most 100 characters')
  .refine((v) => valid(v) !== null, 'expected a valid PEP 440 version');

/** A plain file name: no directory part, no control characters. */
function fileName(suffix: string) {
  const escaped = suffix.replaceAll('.', '\\.');
  return z
    .string()
    .max(255, 'expected at most 255 characters')
    .regex(
      new RegExp(`^[^/\\\\\\x00-\\x1f\\x7f]+${escaped}$`),
      `expected a plain file name ending in ${suffix} (no "/", "\\" or control characters)`,
    );
}

export const SdistPin = z.strictObject({
  file: fileName('.tar.gz').describe('sdist file name, e.g. flit_core-3.9.0.tar.gz'),
  sha256: Sha256.describe('sha256 of the sdist, lowercase hex'),
  size: z.int().positive().optional().describe('size in bytes'),
  'upload-time': z.iso.datetime({ offset: true }).optional().describe('ISO 8601 upload time, informational'),
  path: z
    .string()
    .max(4096, 'expected at most 4096 characters')
    .regex(/^[^/\\\x00-\x1f][^\\\x00-\x1f]*$/, 'expected a relative path with "/" separators')
    .optional()
    .describe(
      'local copy of the sdist, relative to the lock file\'s directory; ".." is allowed (the file is checked by sha256 either way)',
    ),
});
export type SdistPin = z.infer<typeof SdistPin>;

export const WheelPin = z.strictObject({
  file: fileName('.whl').describe('wheel file name the build is expected to produce'),
  sha256: Sha256.describe('sha256 of the expected wheel, lowercase hex'),
});
export type WheelPin = z.infer<typeof WheelPin>;

/** An http(s) index URL without credentials: credentials never go into a lock. */
const IndexUrl = z
  .string()
  .max(2048, 'expected at most 2048 characters')
  .regex(/^https?:\/\/[^\s/@]+(\/[^\s@]*)?$/, 'expected an http(s) URL without credentials or spaces');

/** Date-only expiry, compared in UTC: the exemption stops applying at the start of that day. */
const ExpiryDate = z.iso.date('expected a date like 2025-12-31');

export const QuarantineExemption = z.strictObject({
  reason: z.string().min(1, 'expected a reason').max(500, 'expected at most 500 characters').describe('why this sdist may be younger than --min-age'),
  expires: ExpiryDate.describe('the exemption stops applying on this date (UTC)'),
});
export type QuarantineExemption = z.infer<typeof QuarantineExemption>;

/** A derived builder image: the base image plus these Debian packages, pinned by its rootfs digest. */
export const BuilderImagePin = z.strictObject({
  'debian-packages': z
    .array(z.string().max(100).regex(/^[a-z0-9][a-z0-9+.-]+$/, 'expected a Debian package name'))
    .min(1)
    .max(200)
    .refine((list) => list.every((p, i) => i === 0 || list[i - 1]! < p), 'expected sorted names without duplicates')
    .describe("the recipe's extra Debian packages, sorted"),
  rootfs: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" followed by 64 lowercase hex characters')
    .describe("digest of the derived image's rootfs"),
});
export type BuilderImagePin = z.infer<typeof BuilderImagePin>;

/** A target's name: how per-target pins and `--target` refer to it. */
export const TargetName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'expected a target name (lowercase letters, digits, "-"; at most 32 characters; a letter first), like py311');

const MAX_TARGETS = 8;

const BuildRequires = z
  .array(BuildRequire)
  .max(MAX_PACKAGES, `expected at most ${MAX_PACKAGES} entries`);

export const LockPackage = z.strictObject({
  name: ProjectName.describe('project name as published'),
  version: Version.describe('PEP 440 version'),
  index: IndexUrl.optional().describe('the one index this package is fetched from (without credentials); written by `hbuild lock` when several indexes are configured'),
  sdist: SdistPin,
  'build-requires': z
    .union([BuildRequires, z.record(TargetName, BuildRequires)], {
      error: (iss) => (iss.input === undefined ? 'missing required key' : 'expected a list of packages of this lock (name==version), or (in a lock with targets) a mapping from target name to such a list'),
    })
    .default([])
    .describe('other packages of this lock, as name==version (a bare name when the lock holds one version of it): the full wheel set the build environment needs; in a lock with targets, a mapping from target name to that list when the targets differ'),
  targets: z
    .array(TargetName)
    .min(1, 'expected at least one target')
    .max(MAX_TARGETS, `expected at most ${MAX_TARGETS} targets`)
    .optional()
    .describe("the lock's targets this package is built for, when its Requires-Python (or a marker) admits only some; absent: every target"),
  'builder-image': BuilderImagePin.optional().describe('the derived builder image its recipe asks for; written by `hbuild lock` and `--record`'),
  'quarantine-exemption': QuarantineExemption.optional().describe('lets `hbuild lock` pin this version although it is younger than --min-age'),
  wheel: WheelPin.optional().describe('expected wheel, written by `hbuild --record` (a lock with one target)'),
  wheels: z
    .record(TargetName, WheelPin)
    .optional()
    .describe('expected wheel per target, written by `hbuild --record` (a lock with targets); targets whose wheels are bit-identical pin the same file'),
  'builder-images': z
    .record(TargetName, BuilderImagePin)
    .optional()
    .describe('the derived builder image per target (a lock with targets); written by `hbuild lock` and `--record`'),
});
export type LockPackage = z.infer<typeof LockPackage>;

export const Builder = z.strictObject({
  image: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a folder name under images/ (lowercase letters, digits, "-")')
    .describe('builder image: a folder name under images/'),
  rootfs: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" followed by 64 lowercase hex characters')
    .describe("digest of the builder image's rootfs"),
});
export type Builder = z.infer<typeof Builder>;

/** One target of a lock with several: a name, a builder image and its pinned rootfs. */
export const Target = Builder.extend({
  name: TargetName.describe('how per-target pins and --target name it, e.g. py311'),
});
export type Target = z.infer<typeof Target>;

export const Settings = z.strictObject({
  'source-date-epoch': z
    .int()
    .min(MIN_SOURCE_DATE_EPOCH, `expected at least ${MIN_SOURCE_DATE_EPOCH} (1980-01-01, the earliest zip timestamp)`)
    .max(MAX_SOURCE_DATE_EPOCH, `expected at most ${MAX_SOURCE_DATE_EPOCH} (2107-12-31, the latest zip timestamp)`)
    .optional()
    .describe(`SOURCE_DATE_EPOCH for every build; default ${DEFAULT_SOURCE_DATE_EPOCH}`),
  jobs: z.int().min(1).max(MAX_JOBS, `expected at most ${MAX_JOBS}`).optional().describe('builds to run at once'),
  runtime: z
    .enum(['runc', 'runsc'], { error: 'expected runc or runsc' })
    .optional()
    .describe("OCI runtime of the build containers: runc (default) or runsc (gVisor); --runtime overrides it. Not a build input: a wheel must come out the same under either"),
});
export type Settings = z.infer<typeof Settings>;

/**
 * One requirement the lock's input asked for: a project name, optionally with extras
 * (`requests[socks]`). The name must be a package of this lock (checked in inputs.ts).
 */
export const LockInput = z
  .string()
  .max(1000, 'expected at most 1000 characters')
  .regex(INPUT_REQUIREMENT, 'expected a project name, optionally with extras, like requests or requests[socks,security]');
export type LockInput = z.infer<typeof LockInput>;

export const Lock = z
  .strictObject({
    version: z.literal(1, {
      error: (iss) =>
        iss.input === undefined ? 'missing required key' : 'expected 1, the only lock format version this hbuild reads',
    }),
    builder: Builder.optional().describe('the one builder image of a lock with one target; a lock with several has targets: instead'),
    targets: z
      .array(Target)
      .min(2, 'expected at least two targets: a lock with one target names it under builder:')
      .max(MAX_TARGETS, `expected at most ${MAX_TARGETS} targets`)
      .optional()
      .describe('the builder images a lock with several targets builds every package in (each package in those its Requires-Python admits); instead of builder:'),
    settings: Settings.optional(),
    inputs: z
      .array(LockInput)
      .max(MAX_PACKAGES, `expected at most ${MAX_PACKAGES} entries`)
      .optional()
      .describe(
        "what the lock's input asked for (written by `hbuild lock`): requirements.txt of the wheelhouse holds these and their runtime dependencies, every other wheel goes to build-requirements.txt. Absent: every package counts as asked for",
      ),
    packages: z.array(LockPackage).max(MAX_PACKAGES, `expected at most ${MAX_PACKAGES} packages`),
  })
  .describe('hbuild lock file');
export type Lock = z.infer<typeof Lock>;
