/**
 * Import rules CI enforces (`npm run check:imports`, run by scripts/test.sh):
 * no cycle between files, and no cycle between folders. Folders are layered,
 * lowest first; a folder may import only from folders below it. That order is
 * the architecture: the stages the pipeline composes sit below the pipeline,
 * the CLI and the daemon (thin shells) on top.
 */
const LAYERS = [
  'core', // errors, events, exit codes, digests, PEP 503 names, PEP 508 requirements and markers, slots
  'lockfile', // the lock format: schema, parse, plan, --record edits
  'store', // content-addressed store and its record types
  'recipe', // per-package recipes
  'engine', // the only module that talks to a container engine
  'image', // builder images: mmdebstrap rootfs, docker-load archive
  'pool', // many engines behind the one Engine port: checks, slots, retries
  'check', // hostile build output: wheel, RECORD, pin judgement
  'fetch', // sdists by pin, the index client, the one downloader
  'inspect', // archive safety, tree digest
  'vet', // static rules and the quarantine
  'builder', // one build in a container, input digest, action cache
  'wheelhouse', // publishing
  'attest', // provenance, SBOM, signatures
  'publish', // `hbuild publish`: a wheelhouse onto an index through the upload API
  'verify', // reproducibility: variations, diffs, reports
  'pipeline', // the one scheduler and the runs over it: build, verify, vet
  'resolve', // `hbuild lock`: inputs → lock.yaml
  'daemon', // the build service
  'cli', // the command line
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: files that import each other cannot be read, tested or moved one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unlayered-folder',
      severity: 'error',
      comment: 'Every folder of src/ has a place in LAYERS (.dependency-cruiser.cjs).',
      from: { path: `^src/`, pathNot: `^src/(${LAYERS.join('|')})/` },
      to: {},
    },
    ...LAYERS.map((folder, i) => ({
      name: `layer-${folder}`,
      severity: 'error',
      comment: `${folder}/ may import only from the folders below it (${LAYERS.slice(0, i).join(', ') || 'none'}): an import upwards makes a cycle between folders.`,
      from: { path: `^src/${folder}/` },
      to: { path: `^src/(${LAYERS.slice(i + 1).join('|') || '$^'})/` },
    })),
    {
      name: 'dockerode-only-in-engine',
      severity: 'error',
      comment: 'Only src/engine/ talks to Docker; everything else is handed an Engine.',
      from: { path: '^src/', pathNot: '^src/engine/' },
      to: { path: 'node_modules/(@types/)?(dockerode|docker-modem)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
