import { randomBytes } from 'node:crypto';
import type { BuildVariation } from '../builder/build-package.js';
import { buildEnvironment } from '../builder/container-command.js';
import { HbuildError } from '../core/errors.js';

/** The ways a verification build departs from the standard one, after reprotest's. */
export const VARIATION_NAMES = [
  'build-path',
  'time',
  'umask',
  'hostname',
  'timezone',
  'locale',
  'home',
  'exec-path',
  'cpus',
  'env-order',
  'file-order',
  'user',
  'kernel',
] as const;

export type VariationName = (typeof VARIATION_NAMES)[number];

/** Unique strings a variation plants in the build, so that leaks into the wheel can be found. */
export interface Sentinels {
  buildPath: string;
  hostname: string;
  domainname: string;
  userName: string;
  home: string;
  execPath: string;
}

/** What each variation changes: standard value → varied value, for reports and docs. */
export const VARIATION_SUMMARY: Record<VariationName, string> = {
  'build-path': 'source tree at /build/src → /build/<sentinel>/src',
  time: 'wall clock → +373 days 7 h 13 min (libfaketime via LD_PRELOAD); SOURCE_DATE_EPOCH unchanged',
  umask: 'umask 022 → 002',
  hostname: 'host name builder, domain name invalid → sentinels',
  timezone: 'TZ=UTC → TZ=GMT-14',
  locale: 'LC_ALL=LANG=C.UTF-8 → POSIX',
  home: 'HOME=/build/home → /build/<sentinel>',
  'exec-path': 'PATH gains a nonexistent /<sentinel>/bin',
  cpus: 'every CPU → CPU 0 only (cpuset)',
  'env-order': 'environment handed to the frontend in reverse order',
  'file-order': "each source directory's files created in reverse order",
  user: 'uid:gid 1000:1000 → 1234:1234 (inputs owned by it), USER=LOGNAME=<sentinel>',
  kernel: 'kernel release → 2.6.x (setarch --uname-2.6)',
};

/** The usual cause when a variation alone changes the output, for reports. */
export const CULPRIT_HINT: Record<VariationName, string> = {
  'build-path': 'the build path ends up in the output (debug information, __FILE__, paths the backend records); compilers take -ffile-prefix-map',
  time: 'the wall clock ends up in the output: a timestamp not taken from SOURCE_DATE_EPOCH',
  umask: 'files the build writes get their mode from the umask, and the wheel records modes; the backend should normalise them',
  hostname: 'the host or domain name ends up in the output',
  timezone: 'local time is used where UTC or SOURCE_DATE_EPOCH should be',
  locale: 'the output depends on the locale: sort order, encoding or translated text',
  home: 'something under HOME, or its path, is read or recorded',
  'exec-path': 'PATH is recorded, or tools are picked by searching it',
  cpus: 'the output depends on the number of CPUs (parallel build order, per-CPU tuning)',
  'env-order': 'the output depends on the order of the environment',
  'file-order': 'the output depends on the order files are created or listed; directory listings should be sorted',
  user: 'a user or group id or name ends up in the output (file ownership, getpass)',
  kernel: 'the kernel release (uname) ends up in the output',
};

export const DEFAULT_VARIATIONS: readonly VariationName[] = VARIATION_NAMES;

const FAKETIME_OFFSET_SECONDS = ((373 * 24 + 7) * 60 + 13) * 60;
const VARIED_UID = 1234;

export function makeSentinels(token: () => string = () => randomBytes(4).toString('hex')): Sentinels {
  return {
    buildPath: `hbv-path-${token()}`,
    hostname: `hbv-host-${token()}`,
    domainname: `hbv-domain-${token()}.invalid`,
    userName: `hbvuser${token()}`,
    home: `hbv-home-${token()}`,
    execPath: `hbv-exec-${token()}`,
  };
}

/**
 * `--variations`: comma-separated names, `all`, or `-name` to drop one from
 * the default set (`-time,-kernel`). Undefined or empty means the default set.
 */
export function parseVariations(spec: string | readonly string[] | undefined): VariationName[] {
  const tokens = (typeof spec === 'string' ? spec.split(',') : (spec ?? [])).map((t) => t.trim()).filter(Boolean);
  const unknown = tokens.map((t) => t.replace(/^-/, '')).filter((t) => t !== 'all' && !isVariationName(t));
  if (unknown.length > 0) {
    throw new HbuildError('ERR_USAGE', `unknown variation ${unknown.map((u) => JSON.stringify(u)).join(', ')}`, {
      hint: `choose from ${VARIATION_NAMES.join(', ')} (or all, or -NAME to leave one out)`,
    });
  }
  const positive = tokens.filter((t) => !t.startsWith('-'));
  const chosen = new Set<VariationName>(positive.length === 0 || positive.includes('all') ? DEFAULT_VARIATIONS : (positive as VariationName[]));
  for (const t of tokens) if (t.startsWith('-')) chosen.delete(t.slice(1) as VariationName);
  if (chosen.size === 0) throw new HbuildError('ERR_USAGE', 'no variation left to verify with', { hint: `choose from ${VARIATION_NAMES.join(', ')}` });
  return VARIATION_NAMES.filter((name) => chosen.has(name));
}

export function isVariationName(value: string): value is VariationName {
  return (VARIATION_NAMES as readonly string[]).includes(value);
}

/** The build variation that applies every named variation at once. */
export function variationFor(names: readonly VariationName[], sentinels: Sentinels): BuildVariation {
  const variation: BuildVariation = {};
  const env: Record<string, string> = {};
  const dirs: string[] = [];
  for (const name of names) {
    switch (name) {
      case 'build-path':
        variation.srcDir = `${sentinels.buildPath}/src`;
        break;
      case 'time':
        // $LIB is expanded by the dynamic loader, so the path fits any Debian architecture.
        Object.assign(env, { LD_PRELOAD: '/usr/$LIB/faketime/libfaketime.so.1', FAKETIME: `+${FAKETIME_OFFSET_SECONDS}`, FAKETIME_DONT_FAKE_MONOTONIC: '1' });
        break;
      case 'umask':
        variation.umask = '002';
        break;
      case 'hostname':
        variation.hostname = sentinels.hostname;
        variation.domainname = sentinels.domainname;
        break;
      case 'timezone':
        env.TZ = 'GMT-14';
        break;
      case 'locale':
        Object.assign(env, { LC_ALL: 'POSIX', LANG: 'POSIX' });
        break;
      case 'home':
        env.HOME = `/build/${sentinels.home}`;
        dirs.push(sentinels.home);
        break;
      case 'exec-path':
        env.PATH = `${buildEnvironment(0).PATH}:/${sentinels.execPath}/bin`;
        break;
      case 'cpus':
        variation.cpuset = '0';
        break;
      case 'env-order':
        variation.reverseEnv = true;
        break;
      case 'file-order':
        variation.sourceOrder = 'reverse';
        break;
      case 'user':
        Object.assign(variation, { uid: VARIED_UID, gid: VARIED_UID });
        Object.assign(env, { USER: sentinels.userName, LOGNAME: sentinels.userName });
        break;
      case 'kernel':
        variation.uname26 = true;
        break;
    }
  }
  if (Object.keys(env).length > 0) variation.env = env;
  if (dirs.length > 0) variation.dirs = dirs;
  return variation;
}

/** The sentinel strings that the named variations plant, by what they stand for. */
export function plantedSentinels(names: readonly VariationName[], sentinels: Sentinels): Array<{ kind: string; value: string }> {
  const planted: Array<{ kind: string; value: string }> = [];
  if (names.includes('build-path')) planted.push({ kind: 'build path', value: sentinels.buildPath });
  if (names.includes('hostname')) planted.push({ kind: 'host name', value: sentinels.hostname }, { kind: 'domain name', value: sentinels.domainname });
  if (names.includes('user')) planted.push({ kind: 'user name', value: sentinels.userName });
  if (names.includes('home')) planted.push({ kind: 'HOME', value: sentinels.home });
  if (names.includes('exec-path')) planted.push({ kind: 'PATH entry', value: sentinels.execPath });
  return planted;
}
