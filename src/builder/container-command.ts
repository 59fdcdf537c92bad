/** The build's whole environment: nothing of the host's is passed through. */
export function buildEnvironment(sourceDateEpoch: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
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
  /** Re-exec pip with the environment in reverse order (the shell wrapper otherwise fixes the order). */
  reverseEnv?: boolean;
  /** Run under `setarch --uname-2.6`, so the kernel release the build sees differs. */
  uname26?: boolean;
}

const UMASK = /^0?[0-7]{3}$/;
const REVERSE_ENV = 'import os, sys; os.execvpe(sys.argv[1], sys.argv[1:], dict(reversed(list(os.environ.items()))))';

/**
 * pip as the PEP 517 frontend, offline: build requirements come only from
 * /build/wheels, which holds the verified wheels the lock names.
 */
export function buildCommand(configSettings: Record<string, string> = {}, shape: CommandShape = {}): string[] {
  const settings = Object.entries(configSettings)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([k, v]) => ['--config-settings', `${k}=${v}`]);
  const umask = shape.umask ?? '022';
  if (!UMASK.test(umask)) throw new Error(`not an octal umask: ${umask}`);
  const setarch = shape.uname26 ? 'setarch "$(uname -m)" --uname-2.6 ' : '';
  return [
    '/bin/sh',
    '-c',
    `umask ${umask} && exec ${setarch}"$@"`,
    'hbuild-build',
    ...(shape.reverseEnv ? ['python3', '-c', REVERSE_ENV] : []),
    'python3',
    '-m',
    'pip',
    'wheel',
    '--no-index',
    '--find-links',
    '/build/wheels',
    '--no-deps',
    // Without this, Debian's pip builds a legacy sdist (no pyproject.toml) with the image's own
    // setuptools; with it, the backend always comes from the lock's wheels, through build isolation.
    '--use-pep517',
    '--wheel-dir',
    '/build/out',
    '--verbose',
    ...settings,
    shape.srcDir ?? '/build/src',
  ];
}

/** Bumped whenever the way a build runs changes, so older cache entries stop matching. */
export const BUILD_PROTOCOL = 'hbuild-build/3';
