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
 * pip as the PEP 517 frontend, offline: build requirements come only from
 * /build/wheels, which holds the verified wheels the lock names.
 */
export function buildCommand(configSettings: Record<string, string> = {}): string[] {
  const settings = Object.entries(configSettings)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([k, v]) => ['--config-settings', `${k}=${v}`]);
  return [
    '/bin/sh',
    '-c',
    'umask 022 && exec "$@"',
    'hbuild-build',
    'python3',
    '-m',
    'pip',
    'wheel',
    '--no-index',
    '--find-links',
    '/build/wheels',
    '--no-deps',
    '--wheel-dir',
    '/build/out',
    '--verbose',
    ...settings,
    '/build/src',
  ];
}

/** Bumped whenever the way a build runs changes, so older cache entries stop matching. */
export const BUILD_PROTOCOL = 'hbuild-build/1';
