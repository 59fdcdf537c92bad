import { BUILD_PROTOCOL } from '../builder/container-command.js';
import type { ContainerLimits } from '../engine/container-limits.js';
import { parseWheelName } from '../check/wheel-name.js';
import { BUILD_TYPE, builderId, digestSet, PROVENANCE_TYPE, pypiPurl, rfc3339, STATEMENT_TYPE } from './vocabulary.js';
import type { Manifest, ManifestPackage, ProvenanceStatement } from './schema.js';

type Descriptor = ProvenanceStatement['predicate']['buildDefinition']['resolvedDependencies'][number];

/**
 * The SLSA Provenance v1 statement for one wheel, from what manifest.json
 * recorded. Nothing here depends on the run that happened to produce or reuse
 * the wheel (wall-clock times, cache hits, where the sdist was found), so two
 * builds with equal inputs give byte-identical statements.
 *
 * startedOn and finishedOn are the build's declared clock, SOURCE_DATE_EPOCH:
 * the same time every file in the wheel carries. `limits` are the run's
 * container limits; a recipe that adjusts them is pinned by its digest.
 */
export function buildProvenance(pkg: ManifestPackage, manifest: Manifest, limits: ContainerLimits): ProvenanceStatement {
  const [python, abi, platform] = parseWheelName(pkg.wheel.file).tags.split('-') as [string, string, string];
  const time = rfc3339(manifest.sourceDateEpoch);
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: pkg.wheel.file, digest: { sha256: pkg.wheel.sha256 } }],
    predicateType: PROVENANCE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          package: pkg.name,
          version: pkg.version,
          sdist: { file: pkg.sdist.file, sha256: pkg.sdist.sha256 },
          target: { python, abi, platform },
        },
        internalParameters: {
          network: 'none',
          sourceDateEpoch: manifest.sourceDateEpoch,
          buildProtocol: BUILD_PROTOCOL,
          limits: {
            memoryBytes: limits.memoryBytes,
            cpus: limits.cpus,
            pids: limits.pids,
            fileSizeBytes: limits.fileSizeBytes,
            tmpfsBytes: limits.tmpfsBytes,
            timeoutMs: limits.timeoutMs,
            logBytes: limits.logBytes,
            outputBytes: limits.outputBytes,
          },
        },
        resolvedDependencies: resolvedDependencies(pkg, manifest),
      },
      runDetails: {
        builder: { id: builderId(manifest.hbuildVersion), version: { hbuild: manifest.hbuildVersion } },
        metadata: { invocationId: pkg.inputDigest, startedOn: time, finishedOn: time },
        byproducts: byproducts(pkg),
      },
    },
  };
}

function resolvedDependencies(pkg: ManifestPackage, manifest: Manifest): Descriptor[] {
  const deps: Descriptor[] = [
    { uri: pypiPurl(pkg.name, pkg.version), name: pkg.sdist.file, digest: { sha256: pkg.sdist.sha256 } },
    {
      uri: 'urn:hbuild:builder-rootfs',
      name: pkg.builderImage?.name ?? manifest.builder.image,
      digest: digestSet(pkg.builderRootfs),
      ...(pkg.builderImage && pkg.builderImage.debianPackages.length > 0
        ? { annotations: { base: manifest.builder.image, debianPackages: pkg.builderImage.debianPackages.join(' ').slice(0, 200) } }
        : {}),
    },
    { uri: 'urn:hbuild:builder-image', name: pkg.builderImage?.name ?? manifest.builder.image, digest: digestSet(pkg.builderImageId) },
  ];
  if (pkg.builderImage?.libraryMap) deps.push({ uri: 'urn:hbuild:builder-library-map', name: pkg.builderImage.name, digest: digestSet(pkg.builderImage.libraryMap) });
  if (pkg.recipeDigest !== null) deps.push({ uri: `urn:hbuild:recipe:${pkg.name}`, digest: digestSet(pkg.recipeDigest) });
  if (pkg.buildEnv) deps.push({ uri: 'urn:hbuild:build-env', name: 'build-env.tar', digest: { sha256: pkg.buildEnv.sha256 }, annotations: { size: pkg.buildEnv.size } });
  const wheels = [...pkg.requirementWheels].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  for (const wheel of wheels) {
    deps.push({ uri: pypiPurl(wheel.name, parseWheelName(wheel.file).version), name: wheel.file, digest: { sha256: wheel.sha256 } });
  }
  return deps;
}

function byproducts(pkg: ManifestPackage): Descriptor[] {
  const vet: Descriptor =
    pkg.vet === undefined
      ? { uri: 'urn:hbuild:vet', name: 'vet', annotations: { recorded: false } }
      : {
          uri: 'urn:hbuild:vet',
          name: 'vet',
          digest: digestSet(pkg.vet.findingsDigest),
          annotations: { recorded: true, ruleSetVersion: String(pkg.vet.ruleSetVersion), verdict: pkg.vet.verdict },
        };
  return [
    { uri: 'urn:hbuild:build-log', name: 'build.log', digest: { sha256: pkg.log.sha256 }, annotations: { droppedBytes: pkg.log.droppedBytes } },
    { uri: 'urn:hbuild:source-tree', name: 'source-tree', digest: digestSet(pkg.treeDigest) },
    vet,
  ];
}
