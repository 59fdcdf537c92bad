import { defineCommand } from './command-spec.js';
import { OPTIONS as O } from './options.js';

// What every command accepts. Commands parse their arguments with these specs and `--help`
// prints them, so this module must stay as cheap to import as the option table.

/** The exit codes every build-like command shares; documented in the README as well. */
export const EXIT_CODES = `Exit codes: 0 ok · 1 build failed · 2 usage or lockfile error · 3 integrity failure ·
            4 source refused (unsafe archive or vetting) · 5 not reproducible ·
            6 Docker engine or builder image unavailable · 7 disk full · 130 cancelled`;

const LOCK = { key: 'lock', name: 'LOCK.yaml', noun: 'lock file', help: 'the lock file: pinned sdists, their hashes and the builder image' } as const;

export const BUILD = defineCommand({
  command: 'build',
  usage: [{ line: 'hbuild [build] LOCK.yaml [options]', summary: 'build every locked sdist into a verified wheelhouse' }],
  positionals: [LOCK],
  options: [O.out, O.store, O.jobs, O.record, O.only, O.target, O.failFast, O.sdistDir, O.recipes, O.buildMirror, O.vet, O.minAge, O.indexUrl, O.dockerHost, O.engine, O.engines, O.images, O.imageArchives, O.runtime, O.jsonEvents, O.quiet, O.daemon, O.signingKey, O.timeout],
  notes: EXIT_CODES,
});

export const VET = defineCommand({
  command: 'vet',
  usage: [{ line: 'hbuild vet LOCK.yaml [options]', summary: 'vet every locked sdist with static rules (text, JSON or SARIF)' }],
  positionals: [LOCK],
  options: [O.format, O.output, O.quiet, O.store, O.only, O.sdistDir, O.recipes, O.indexUrl, O.minAge, O.exceptions],
  notes: "Exit codes: 0 every sdist passes or only warns · 4 an sdist is blocked or held · otherwise the worst error's code",
});

export const VERIFY = defineCommand({
  command: 'verify',
  usage: [{ line: 'hbuild verify LOCK.yaml [options]', summary: 'rebuild every package under variations, compare with each other and the pins, and explain any difference' }],
  positionals: [LOCK],
  options: [O.variations, O.report, O.jsonResult, O.quiet, O.store, O.jobs, O.only, O.target, O.sdistDir, O.recipes, O.vet, O.minAge, O.indexUrl, O.dockerHost, O.engine, O.engines, O.images, O.imageArchives, O.runtime, O.timeout],
  notes: `Exit codes: 0 all reproducible · 5 not reproducible · 3 reproducible but not equal to the pin ·
            1 a build failed or a package could not be judged`,
});

export const LOCK_COMMAND = defineCommand({
  command: 'lock',
  usage: [
    { line: 'hbuild lock INPUT [options]', summary: 'create or update lock.yaml from requirements.txt, pylock.toml or uv.lock, closing over build requirements' },
    { line: 'hbuild lock --add NAME==VERSION ...', summary: 'add or change pins in an existing lock' },
  ],
  positionals: [{ key: 'input', name: 'INPUT', noun: 'input file', help: 'requirements.txt, pylock.toml or uv.lock to pin', optional: true }],
  options: [
    O.lock,
    O.add,
    O.check,
    O.indexUrl,
    O.extraIndexUrl,
    O.pinIndex,
    O.minAge,
    O.exempt,
    O.reason,
    O.expires,
    O.image,
    O.builderRootfs,
    O.lockTarget,
    O.store,
    O.recipes,
    O.buildMirror,
    O.dockerHost,
    O.runtime,
  ],
  notes: `Exit codes: 0 ok · 1 --check: the lock is stale · 2 usage or input error · 3 hash mismatch ·
            4 refused: quarantine, yanked, or a name served by more than one index`,
});

export const IMAGE_BUILD = defineCommand({
  command: 'image build',
  usage: [{ line: 'hbuild image build NAME [options]', summary: 'make the builder image images/NAME with mmdebstrap and load it' }],
  positionals: [{ key: 'name', name: 'NAME', noun: 'image name', help: 'the builder-image recipe to build: a directory under --images' }],
  options: [O.images, O.mirror, O.imageOut, O.store, O.dockerHost, O.jsonImage],
});

export const STORE_VERIFY = defineCommand({
  command: 'store verify',
  usage: [{ line: 'hbuild store verify [--repair]', summary: 're-hash every store entry and report corrupt ones' }],
  positionals: [],
  options: [O.store, O.repair, O.jsonReport],
  notes: 'Exit codes: 0 every entry is intact · 3 an entry is corrupt',
});

export const STORE_GC = defineCommand({
  command: 'store gc',
  usage: [{ line: 'hbuild store gc [--keep LOCK]... [--keep-days N] [--dry-run]', summary: 'remove what no kept lock pins and no recent build used' }],
  positionals: [],
  options: [O.store, O.keep, O.keepDays, O.dryRun, O.jsonReport],
});

const WHEELHOUSE = { key: 'wheelhouse', name: 'WHEELHOUSE', noun: 'wheelhouse', help: 'a wheelhouse directory that hbuild built' } as const;

export const ATTEST_VERIFY = defineCommand({
  command: 'attest verify',
  usage: [{ line: 'hbuild attest verify WHEELHOUSE [--key PUBLIC.pem]', summary: 'check every signature, subject digest, the SBOM, SHA256SUMS and both requirements files, offline' }],
  positionals: [WHEELHOUSE],
  options: [O.publicKey, O.jsonReport],
  notes: 'Exit codes: 0 every check passes · 3 a check fails',
});

export const ATTEST_SIGN = defineCommand({
  command: 'attest sign',
  usage: [{ line: 'hbuild attest sign WHEELHOUSE [--key PRIVATE.pem]', summary: '(re)write the signed provenance, SBOM and public key of a wheelhouse' }],
  positionals: [WHEELHOUSE],
  options: [O.privateKey],
});

export const PUBLISH = defineCommand({
  command: 'publish',
  usage: [{ line: 'hbuild publish WHEELHOUSE --repository URL [options]', summary: 'upload the wheels of a wheelhouse to an index, skipping files already there with the same sha256' }],
  description:
    'Re-hashes every wheel against manifest.json and SHA256SUMS first, reads what the index already lists, and refuses the whole publish (nothing uploaded) when a file of the same name is there with another sha256.',
  positionals: [WHEELHOUSE],
  options: [O.repository, O.publishIndexUrl, O.username, O.attestations, O.publishDryRun, O.jsonEvents],
  notes: `Exit codes: 0 every wheel is on the index · 1 the index refused an upload, or could not be reached ·
            2 usage error or no credentials · 3 the wheelhouse does not match its records, or the index holds other bytes under a wheel's name`,
});

export const DAEMON = defineCommand({
  command: 'daemon',
  usage: [{ line: 'hbuild daemon [options]', summary: 'serve builds, verification and vetting over a local API' }],
  description: 'Serves jobs over a local HTTP API (see "The daemon" in the README) until SIGTERM or Ctrl-C.',
  positionals: [],
  options: [O.socket, O.tcp, O.tokenFile, O.state, O.store, O.roots, O.schedule, O.daemonJobs, O.grace, O.dockerHost, O.engine, O.engines, O.images, O.imageArchives, O.runtime],
});

export const ENGINES = defineCommand({
  command: 'engines',
  usage: [{ line: 'hbuild engines [--engine ADDRESS]... [--engines FILE] [--lock FILE]', summary: "check each engine of a pool and show its health: API version, builder image, probe, slots" }],
  positionals: [],
  options: [O.engine, O.engines, O.dockerHost, O.engineLock, O.images, O.imageArchives, O.store, O.runtime, O.jsonEngines],
  notes: 'Exit codes: 0 at least one engine is usable · 6 none is',
});

/** Every command and subcommand, in the order `hbuild help` lists them. */
export const COMMANDS = [BUILD, VET, VERIFY, LOCK_COMMAND, IMAGE_BUILD, STORE_VERIFY, STORE_GC, ATTEST_VERIFY, ATTEST_SIGN, PUBLISH, DAEMON, ENGINES] as const;
