import { sha256 } from '../core/digest.js';
import { FRONTEND_PY, SITECUSTOMIZE_PY } from './frontend-script.js';
import { REQUIREMENTS_PY } from './requirement-reader.js';
import { REPAIR_PY } from './repair-script.js';

/** Where the scaffold puts the frontend and the sitecustomize that isolates every Python of the build. */
export const FRONTEND_PATH = '/build/hbuild/frontend.py';
export const SITE_DIR = '/build/hbuild/site';
/** Shipped only when the recipe repairs the wheel; the frontend then writes to UNREPAIRED_DIR. */
export const REPAIR_PATH = '/build/hbuild/repair.py';
export const UNREPAIRED_DIR = '/build/unrepaired';

/**
 * The build's whole environment: nothing of the host's is passed through. Every Python of
 * the build (the frontend, and any the backend starts) finds the build environment through
 * PYTHONPATH's sitecustomize; its scripts come first on PATH.
 */
export function buildEnvironment(sourceDateEpoch: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/build/env/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    PYTHONPATH: SITE_DIR,
    PYTHONNOUSERSITE: '1',
    HOME: '/build/home',
    TMPDIR: '/tmp',
    LC_ALL: 'C.UTF-8',
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    SOURCE_DATE_EPOCH: String(sourceDateEpoch),
    PYTHONHASHSEED: '0',
    PYTHONDONTWRITEBYTECODE: '1',
    PIP_CONFIG_FILE: '/dev/null',
    PIP_NO_INPUT: '1',
    PIP_NO_CACHE_DIR: '1',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_PROGRESS_BAR: 'off',
    ...extra,
  };
}

/**
 * How a verification build's command departs from the standard one
 * (`hbuild verify` varies these); absent fields keep the standard value.
 */
export interface CommandShape {
  /** Octal umask the build runs under, e.g. `002` (standard: `022`). */
  umask?: string;
  /** Absolute path of the source tree (standard: `/build/src`). */
  srcDir?: string;
  /** Re-exec the frontend with the environment in reverse order (the shell wrapper otherwise fixes the order). */
  reverseEnv?: boolean;
  /** Run under `setarch --uname-2.6`, so the kernel release the build sees differs. */
  uname26?: boolean;
}

const UMASK = /^0?[0-7]{3}$/;
const REVERSE_ENV = 'import os, sys; os.execvpe(sys.argv[1], sys.argv[1:], dict(reversed(list(os.environ.items()))))';

/**
 * hbuild's own PEP 517 frontend (see frontend-script.ts), offline: the backend and its
 * requirements come only from /build/env, the build environment installed from the
 * verified wheels the lock names. The digest of the scaffold's scripts is part of the
 * command, so a changed frontend is a changed build input. With `repair`, the repair step
 * (repair-script.ts) runs the frontend and then auditwheel.
 */
export function buildCommand(configSettings: Record<string, string> = {}, shape: CommandShape = {}, repair?: { platform: string }): string[] {
  const settings = Object.fromEntries(Object.entries(configSettings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const umask = shape.umask ?? '022';
  if (!UMASK.test(umask)) throw new Error(`not an octal umask: ${umask}`);
  const setarch = shape.uname26 ? 'setarch "$(uname -m)" --uname-2.6 ' : '';
  return [
    '/bin/sh',
    '-c',
    `umask ${umask} && exec ${setarch}"$@"`,
    'hbuild-build',
    ...(shape.reverseEnv ? ['python3', '-c', REVERSE_ENV] : []),
    ...(repair ? ['python3', REPAIR_PATH, '--sha256', REPAIR_SHA256, '--plat', repair.platform, '--out', '/build/out', '--'] : []),
    'python3',
    FRONTEND_PATH,
    '--sha256',
    FRONTEND_SHA256,
    shape.srcDir ?? '/build/src',
    repair ? UNREPAIRED_DIR : '/build/out',
    JSON.stringify(settings),
  ];
}

/** The repair step's digest, named in a repairing build's command (so in its input digest). */
export const REPAIR_SHA256 = sha256(REPAIR_PY);

/** One digest over every script the scaffold ships, so that a change to any of them is a changed build input. */
export const FRONTEND_SHA256 = sha256(JSON.stringify([FRONTEND_PY, REQUIREMENTS_PY, SITECUSTOMIZE_PY]));

/** Bumped whenever the way a build runs changes, so older cache entries stop matching. */
export const BUILD_PROTOCOL = 'hbuild-build/5';
