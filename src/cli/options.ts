import { DEFAULT_LIMITS } from '../engine/container-limits.js';
import { RUNTIMES } from '../engine/runtime.js';
import { DEFAULT_MIN_AGE_DAYS } from '../vet/verdict.js';
import { ATTESTATION_MODES } from '../publish/schema.js';
import type { OptionSpec } from './command-spec.js';
import { Flag, List, NameEqualsUrl, NameList, OneOf, ProjectName, TargetImage, TargetNameValue, Text, WholeNumber } from './option-values.js';

/**
 * Every command-line option of hbuild, declared once. A command lists the entries it takes
 * (see commands.ts), so an option shared by several commands is validated, defaulted and
 * described the same way in each. Two entries share a flag name only where the flag means
 * something different to different commands (`--out` of a build and of an image, `--json`),
 * and never within one command. Keep this module cheap to import: help is printed from it.
 */
export const OPTIONS = {
  help: { name: 'help', short: 'h', type: 'boolean', value: Flag, help: 'print this help and exit' },

  // Shared by the commands that fetch, build or vet pinned sources.
  store: { name: 'store', type: 'string', arg: 'DIR', value: Text, defaultText: '$XDG_CACHE_HOME/hbuild/store', help: 'content-addressed store' },
  jobs: { name: 'jobs', short: 'j', type: 'string', arg: 'N', value: WholeNumber(1, 64), defaultText: "a pool's slots, else the lock's settings.jobs, else the number of cores", help: 'parallel builds' },
  only: { name: 'only', type: 'string', arg: 'NAME,...', value: NameList, help: 'only these packages and what they build-require (a name selects every version the lock holds; name==version one)' },
  target: { name: 'target', type: 'string', arg: 'NAME', value: TargetNameValue, help: 'only this target of a lock with several (its name under targets:)' },
  sdistDir: { name: 'sdist-dir', type: 'string', multiple: true, arg: 'DIR', value: Text, help: 'look for sdists here before the index' },
  recipes: { name: 'recipes', type: 'string', arg: 'DIR', value: Text, defaultText: 'recipes/ beside the lock', help: 'per-package build recipes' },
  minAge: {
    name: 'min-age',
    type: 'string',
    arg: 'DAYS',
    value: WholeNumber(0, 3650, 'days'),
    defaultText: `${DEFAULT_MIN_AGE_DAYS}; 0 turns it off`,
    help: 'release-age quarantine: hold sdists uploaded less than DAYS ago',
  },
  indexUrl: { name: 'index-url', type: 'string', arg: 'URL', value: Text, defaultText: "PIP_INDEX_URL, then pip's configuration", help: 'Python index' },
  dockerHost: { name: 'docker-host', type: 'string', arg: 'URL', value: Text, defaultText: 'DOCKER_HOST, else unix:///var/run/docker.sock', help: 'Docker engine' },
  engine: {
    name: 'engine',
    type: 'string',
    multiple: true,
    arg: 'ADDRESS[,slots=N]',
    value: Text,
    help: 'one engine of a pool (repeat the flag): unix:///PATH, tcp://HOST:PORT,certs=DIR (TLS; DIR as DOCKER_CERT_PATH) or ssh://USER@HOST,host-key=SHA256:…; slots=N builds at once there (default 1)',
  },
  engines: { name: 'engines', type: 'string', arg: 'FILE', value: Text, help: 'a YAML pool file listing the engines (see "A pool of engines" in the README)' },
  imageArchives: {
    name: 'image-archives',
    type: 'string',
    arg: 'DIR',
    value: Text,
    defaultText: 'images/ beside the store',
    help: 'kept builder rootfs tars (hbuild image build --out), loaded into pool engines that lack the builder image',
  },
  runtime: {
    name: 'runtime',
    type: 'string',
    arg: 'NAME',
    value: OneOf(RUNTIMES),
    defaultText: "the lock's settings.runtime, else runc",
    help: 'OCI runtime of the build containers: runc (Docker\'s default) or runsc (gVisor, registered with the engine)',
  },
  timeout: {
    name: 'timeout',
    type: 'string',
    arg: 'SECONDS',
    value: WholeNumber(1, 86_400, 'seconds'),
    defaultText: String(DEFAULT_LIMITS.timeoutMs / 1000),
    help: 'wall-clock limit per build',
  },

  // hbuild build
  out: { name: 'out', short: 'o', type: 'string', arg: 'DIR', value: Text, default: 'wheelhouse', help: 'wheelhouse directory' },
  record: { name: 'record', type: 'boolean', value: Flag, help: 'write first-seen wheel hashes into the lock (only where there is no pin)' },
  failFast: { name: 'fail-fast', type: 'boolean', value: Flag, help: 'stop everything at the first failure' },
  vet: {
    name: 'vet',
    type: 'string',
    arg: 'MODE',
    value: OneOf(['enforce', 'report']),
    default: 'enforce',
    help: 'enforce: refuse sources vetting blocks or the quarantine holds; report: record the verdict in the manifest and build anyway',
  },
  signingKey: { name: 'signing-key', type: 'string', arg: 'FILE', value: Text, defaultText: 'created in ~/.config/hbuild', help: 'ed25519 key for the provenance' },
  daemon: { name: 'daemon', type: 'boolean', value: Flag, help: 'submit to a running `hbuild daemon` (or set HBUILD_DAEMON)' },
  jsonEvents: { name: 'json', type: 'boolean', value: Flag, help: 'newline-delimited JSON events on stdout' },
  quiet: { name: 'quiet', short: 'q', type: 'boolean', value: Flag, help: 'no progress: print only the result line and errors' },

  // hbuild vet
  format: { name: 'format', type: 'string', arg: 'FORMAT', value: OneOf(['text', 'json', 'sarif']), default: 'text', help: 'report format: text, json or sarif' },
  output: { name: 'output', short: 'o', type: 'string', arg: 'FILE', value: Text, help: 'write the report here instead of to stdout' },
  exceptions: { name: 'exceptions', type: 'string', arg: 'FILE', value: Text, help: 'vet exceptions: a YAML/JSON list, {exceptions: [...]}, or a recipe with vet.exceptions' },

  // hbuild verify
  variations: {
    name: 'variations',
    type: 'string',
    arg: 'LIST',
    value: List,
    defaultText: 'all',
    help: 'comma-separated: build-path, time, umask, hostname, timezone, locale, home, exec-path, cpus, env-order, file-order, user, kernel; all; -NAME leaves one out (write --variations=-NAME)',
  },
  report: { name: 'report', type: 'string', arg: 'DIR', value: Text, defaultText: 'STORE/verify/TIME-LOCKDIGEST/', help: 'where the report goes' },
  jsonResult: { name: 'json', type: 'boolean', value: Flag, help: 'print the whole result as JSON on stdout instead of the summary' },

  // hbuild lock
  lock: { name: 'lock', short: 'o', type: 'string', arg: 'FILE', value: Text, default: 'lock.yaml', help: 'the lock to write or update' },
  add: { name: 'add', type: 'string', multiple: true, arg: 'NAME==VERSION', value: Text, help: 'add or change a pin in an existing lock' },
  check: { name: 'check', type: 'boolean', value: Flag, help: 'write nothing; exit 1 when the lock differs from what hbuild lock would write' },
  extraIndexUrl: {
    name: 'extra-index-url',
    type: 'string',
    multiple: true,
    arg: 'URL',
    value: Text,
    defaultText: "PIP_EXTRA_INDEX_URL, then pip's configuration",
    help: 'another index',
  },
  pinIndex: { name: 'pin-index', type: 'string', multiple: true, arg: 'NAME=URL', value: NameEqualsUrl, help: 'the one index NAME may come from (recorded as index: in the lock)' },
  exempt: { name: 'exempt', type: 'string', multiple: true, arg: 'NAME', value: ProjectName, help: 'lift the quarantine for NAME; needs --reason and --expires' },
  reason: { name: 'reason', type: 'string', arg: 'TEXT', value: Text, help: 'why the --exempt names may skip the quarantine (recorded in the lock)' },
  expires: { name: 'expires', type: 'string', arg: 'YYYY-MM-DD', value: Text, help: 'the day the --exempt exemption lapses' },
  image: { name: 'image', type: 'string', arg: 'NAME', value: Text, defaultText: 'default', help: 'builder image of a new lock' },
  lockTarget: { name: 'target', type: 'string', multiple: true, arg: 'NAME=IMAGE', value: TargetImage, help: 'a target of a lock with several (repeat it, at least twice): its name and builder image; a lock with builder: is migrated' },
  builderRootfs: { name: 'builder-rootfs', type: 'string', arg: 'DIGEST', value: Text, defaultText: "the local image's", help: 'rootfs digest of that builder image' },

  // hbuild image build
  images: { name: 'images', type: 'string', arg: 'DIR', value: Text, default: 'images', help: 'where builder-image recipes live (a pool loads the builder image from them and the kept rootfs)' },
  mirror: { name: 'mirror', type: 'string', arg: 'URL', value: Text, defaultText: "from the host's apt sources", help: 'Debian mirror' },
  buildMirror: { name: 'mirror', type: 'string', arg: 'URL', value: Text, defaultText: "from the host's apt sources", help: 'Debian mirror for derived builder images built on demand (recipes with debian-packages)' },
  imageOut: { name: 'out', type: 'string', arg: 'DIR', value: Text, defaultText: 'images/ beside the store', help: 'where the rootfs tarball is kept' },
  jsonEngines: { name: 'json', type: 'boolean', value: Flag, help: "print each engine's health as JSON on stdout" },
  engineLock: { name: 'lock', type: 'string', arg: 'FILE', value: Text, defaultText: 'lock.yaml, if there is one', help: 'check the builder image this lock pins (load it where missing, probe under it)' },
  jsonImage: { name: 'json', type: 'boolean', value: Flag, help: 'print the image name, rootfs digest and image id as JSON on stdout' },

  // hbuild store verify | gc, hbuild attest verify
  repair: { name: 'repair', type: 'boolean', value: Flag, help: 'remove corrupt entries; the next build fetches or builds them again' },
  keep: { name: 'keep', type: 'string', multiple: true, arg: 'LOCK', value: Text, help: 'keep everything this lock pins' },
  keepDays: { name: 'keep-days', type: 'string', arg: 'N', value: WholeNumber(0, 36_500, 'days'), default: '30', help: 'keep what a build used within the last N days' },
  dryRun: { name: 'dry-run', type: 'boolean', value: Flag, help: 'report what would be removed and remove nothing' },
  jsonReport: { name: 'json', type: 'boolean', value: Flag, help: 'print the report as JSON on stdout' },

  // hbuild attest verify | sign
  publicKey: { name: 'key', type: 'string', arg: 'PUBLIC.pem', value: Text, defaultText: 'the key shipped in the wheelhouse, with a warning', help: 'the key the wheelhouse must be signed with' },
  privateKey: { name: 'key', type: 'string', arg: 'PRIVATE.pem', value: Text, defaultText: 'created in ~/.config/hbuild', help: 'ed25519 signing key' },

  // hbuild publish
  repository: { name: 'repository', type: 'string', arg: 'URL', value: Text, defaultText: 'TWINE_REPOSITORY_URL', help: 'upload URL of the index (the legacy upload API twine uses); http only to loopback' },
  publishIndexUrl: { name: 'index-url', type: 'string', arg: 'URL', value: Text, defaultText: 'REPOSITORY/simple/', help: "the index's simple pages, read to skip files already there" },
  username: { name: 'username', short: 'u', type: 'string', arg: 'NAME', value: Text, defaultText: 'TWINE_USERNAME, the URL, netrc, the keyring, else __token__', help: 'user to upload as (the password: TWINE_PASSWORD, the URL, netrc or the keyring)' },
  attestations: {
    name: 'attestations',
    type: 'string',
    arg: 'MODE',
    value: OneOf(ATTESTATION_MODES),
    default: 'auto',
    help: 'auto: send each wheel\'s provenance where the index declares PEP 740 (simple API 1.3+); always; never',
  },
  publishDryRun: { name: 'dry-run', type: 'boolean', value: Flag, help: 'check the wheelhouse and the index, say what would be uploaded, upload nothing' },

  // hbuild daemon
  socket: { name: 'socket', type: 'string', arg: 'PATH', value: Text, defaultText: '$XDG_RUNTIME_DIR/hbuild/daemon.sock, else /tmp/hbuild-$UID/daemon.sock', help: 'unix socket' },
  tcp: { name: 'tcp', type: 'string', arg: '127.0.0.1:PORT', value: Text, help: 'also listen on loopback TCP; needs --token-file' },
  tokenFile: { name: 'token-file', type: 'string', arg: 'FILE', value: Text, help: 'bearer token for TCP clients (a private file, at least 32 characters)' },
  state: { name: 'state', type: 'string', arg: 'DIR', value: Text, defaultText: '$XDG_STATE_HOME/hbuild/daemon', help: 'journal, job logs and job wheelhouses' },
  roots: { name: 'roots', type: 'string', arg: 'DIR,...', value: List, defaultText: 'none', help: 'directories clients may name lock files and wheelhouses in' },
  schedule: { name: 'schedule', type: 'string', arg: 'FILE', value: Text, help: 'YAML file of scheduled runs' },
  daemonJobs: { name: 'jobs', short: 'j', type: 'string', arg: 'N', value: WholeNumber(1, 64), default: '1', help: 'jobs run at once; each job runs its builds in parallel as its lock says' },
  grace: {
    name: 'grace',
    type: 'string',
    arg: 'SECONDS',
    value: WholeNumber(0, 86_400, 'seconds'),
    default: '10',
    help: 'on SIGTERM, how long running jobs may finish before they are checkpointed',
  },
} as const satisfies Record<string, OptionSpec>;

export type OptionId = keyof typeof OPTIONS;
