import { z } from 'zod';
import { matchWheelName } from '../check/wheel-name.js';
import { PROJECT_NAME } from '../core/pep503.js';
import { MAX_PACKAGES } from '../lockfile/schema.js';
import { BUILD_TYPE, CYCLONEDX_TYPE, POLICY_URI, PROVENANCE_TYPE, REPRODUCTION_FIELD, STATEMENT_TYPE, VSA_TYPE } from './vocabulary.js';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters');
const Prefixed = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" and 64 lowercase hex characters');
const AnyDigest = z.union([Hex64, Prefixed]);
const Text = z.string().min(1).max(200);
const Name = z.string().max(200).regex(PROJECT_NAME, 'expected a PEP 508 project name');
const Version = z.string().min(1).max(100);
/** A wheel file name that parses; it is also used as a path component, so nothing else may pass. */
const WheelFile = z.string().refine((f) => matchWheelName(f) !== undefined, 'expected a wheel file name');
const DebianName = z.string().max(100).regex(/^[a-z0-9][a-z0-9+.-]+$/, 'expected a Debian package name');
const PlainFile = z.string().max(255).regex(/^[^/\\\x00-\x1f\x7f]+$/, 'expected a plain file name');

// manifest.json is written by the wheelhouse stage; only the fields attestations use are read.
export const ManifestPackage = z.object({
  name: Name,
  version: Version,
  sdist: z.object({ file: PlainFile, sha256: Hex64 }),
  treeDigest: AnyDigest,
  recipeDigest: AnyDigest.nullable(),
  builderRootfs: Prefixed,
  builderImageId: AnyDigest,
  requirementWheels: z.array(z.object({ name: Name, file: WheelFile, sha256: Hex64 })).max(MAX_PACKAGES),
  buildEnv: z.object({ sha256: Hex64, size: z.int().min(0) }).optional(),
  inputDigest: AnyDigest,
  log: z.object({ sha256: Hex64, droppedBytes: z.int().min(0) }),
  wheel: z.object({ file: WheelFile, sha256: Hex64, size: z.int().min(0) }),
  /** Whether requirements.txt installs it; absent in manifests from before build-requirements.txt, where it did. */
  runtime: z.boolean().optional(),
  vet: z
    .object({ ruleSetVersion: z.union([Text, z.number()]), verdict: Text, findingsDigest: AnyDigest })
    .optional(),
  builderImage: z
    .object({ name: Text, debianPackages: z.array(DebianName).max(200), libraryMap: Prefixed.nullable() })
    .optional(),
  /** The targets whose builds gave this wheel, in a wheelhouse of several. */
  targets: z.array(Text).min(1).max(8).optional(),
  systemLibraries: z
    .array(z.object({ soname: z.string().min(1).max(255), package: DebianName.nullable(), version: z.string().min(1).max(200).nullable() }))
    .max(1000)
    .optional(),
  vendoredLibraries: z
    .array(z.object({ file: z.string().min(1).max(1024), copyOf: z.string().min(1).max(255), package: DebianName.nullable(), version: z.string().min(1).max(200).nullable() }))
    .max(1000)
    .optional(),
});
export type ManifestPackage = z.infer<typeof ManifestPackage>;

export const Manifest = z.object({
  manifestVersion: z.literal(1),
  hbuildVersion: Text,
  lock: z.object({ path: z.string().min(1).max(4096), sha256: Hex64 }),
  builder: z.object({ image: Text, rootfs: Prefixed, imageId: AnyDigest }),
  sourceDateEpoch: z.int().min(0).max(4_354_819_199),
  targets: z.array(z.object({ name: Text, image: Text, rootfs: Prefixed, python: Text })).min(1).max(8).optional(),
  packages: z.array(ManifestPackage).max(MAX_PACKAGES),
});
export type Manifest = z.infer<typeof Manifest>;

/** A DSSE envelope as hbuild writes it; the checks that need good messages happen in dsse.ts. */
export const Envelope = z.strictObject({
  payloadType: z.string().max(200),
  payload: z.string(),
  signatures: z.array(z.strictObject({ keyid: z.string().max(200), sig: z.string().max(200) })).max(16),
});
export type Envelope = z.infer<typeof Envelope>;

const DigestSet = z.strictObject({ sha256: Hex64 });
const Subject = z.strictObject({ name: z.string().min(1).max(255), digest: DigestSet });
const Descriptor = z.strictObject({
  uri: z.string().min(1).max(2000),
  name: z.string().max(255).optional(),
  digest: DigestSet.optional(),
  annotations: z.record(z.string().max(100), z.union([z.string().max(200), z.number(), z.boolean()])).optional(),
});
const Limit = z.number().min(0);

export const ProvenanceStatement = z.strictObject({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(Subject).length(1),
  predicateType: z.literal(PROVENANCE_TYPE),
  predicate: z.strictObject({
    buildDefinition: z.strictObject({
      buildType: z.literal(BUILD_TYPE),
      externalParameters: z.strictObject({
        package: Name,
        version: Version,
        sdist: z.strictObject({ file: PlainFile, sha256: Hex64 }),
        target: z.strictObject({ python: Text, abi: Text, platform: Text }),
      }),
      internalParameters: z.strictObject({
        network: z.literal('none'),
        sourceDateEpoch: z.int().min(0),
        buildProtocol: Text,
        limits: z.strictObject({
          memoryBytes: Limit,
          cpus: Limit,
          pids: Limit,
          fileSizeBytes: Limit,
          tmpfsBytes: Limit,
          timeoutMs: Limit,
          logBytes: Limit,
          outputBytes: Limit,
        }),
      }),
      resolvedDependencies: z.array(Descriptor).max(MAX_PACKAGES + 8),
    }),
    runDetails: z.strictObject({
      builder: z.strictObject({ id: Text, version: z.strictObject({ hbuild: Text }) }),
      metadata: z.strictObject({ invocationId: AnyDigest, startedOn: z.iso.datetime(), finishedOn: z.iso.datetime() }),
      byproducts: z.array(Descriptor).max(8),
    }),
  }),
});
export type ProvenanceStatement = z.infer<typeof ProvenanceStatement>;

export const REPRODUCTION_RESULTS = ['reproduced', 'differed', 'failed', 'inconclusive'] as const;
export type ReproductionResult = (typeof REPRODUCTION_RESULTS)[number];
const Variations = z.array(z.string().min(1).max(200)).max(100);

export const VsaStatement = z.strictObject({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(Subject).length(1),
  predicateType: z.literal(VSA_TYPE),
  predicate: z
    .strictObject({
      verifier: z.strictObject({ id: Text, version: z.strictObject({ hbuild: Text }) }),
      timeVerified: z.iso.datetime(),
      resourceUri: z.string().min(1).max(2000),
      policy: z.strictObject({ uri: z.literal(POLICY_URI) }),
      verificationResult: z.enum(['PASSED', 'FAILED']),
      verifiedLevels: z.array(Text).length(1),
      slsaVersion: z.literal('1.0'),
      [REPRODUCTION_FIELD]: z.strictObject({ result: z.enum(REPRODUCTION_RESULTS), variations: Variations }),
    })
    .refine(
      (p) => (p.verificationResult === 'PASSED') === (p[REPRODUCTION_FIELD].result === 'reproduced'),
      'verificationResult disagrees with the reproduction result',
    ),
});
export type VsaStatement = z.infer<typeof VsaStatement>;

const SbomComponent = z.looseObject({
  'bom-ref': z.string().min(1).max(2000),
  name: Text,
  version: Version,
  purl: z.string().min(1).max(2000),
  hashes: z.array(z.strictObject({ alg: z.string().max(20), content: z.string().max(200) })).max(8),
  properties: z.array(z.strictObject({ name: z.string().max(200), value: z.string().max(2000) })).max(64),
});
export type SbomComponent = z.infer<typeof SbomComponent>;

/** The signed SBOM: its content is compared byte for byte with sbom.cdx.json, so only what is checked is typed. */
export const SbomStatement = z.strictObject({
  _type: z.literal(STATEMENT_TYPE),
  subject: z.array(Subject).max(MAX_PACKAGES),
  predicateType: z.literal(CYCLONEDX_TYPE),
  predicate: z.looseObject({
    bomFormat: z.literal('CycloneDX'),
    specVersion: z.literal('1.6'),
    components: z.array(SbomComponent).max(MAX_PACKAGES),
  }),
});
export type SbomStatement = z.infer<typeof SbomStatement>;

/** What a verify run (issue 6) hands over to be summarised and signed. */
export const VerificationInput = z.strictObject({
  wheels: z
    .array(
      z.strictObject({
        name: Name,
        version: Version,
        file: WheelFile,
        sha256: Hex64,
        result: z.enum(REPRODUCTION_RESULTS),
        variations: Variations,
      }),
    )
    .max(MAX_PACKAGES),
  timeVerified: z.union([z.date(), z.iso.datetime({ offset: true })]),
});
export type VerificationInput = z.infer<typeof VerificationInput>;
