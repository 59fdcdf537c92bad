/**
 * The platform every sdist is built for: the default builder image's Python
 * (Debian bookworm's CPython 3.11.2) on linux x86_64. Environment markers in
 * inputs and in build requirements are evaluated against these values.
 */
export const BUILDER_PYTHON = '3.11.2';

export const BUILDER_MARKERS: Readonly<Record<string, string>> = Object.freeze({
  os_name: 'posix',
  sys_platform: 'linux',
  platform_machine: 'x86_64',
  platform_system: 'Linux',
  platform_python_implementation: 'CPython',
  implementation_name: 'cpython',
  implementation_version: BUILDER_PYTHON,
  python_version: '3.11',
  python_full_version: BUILDER_PYTHON,
});

/**
 * Markers whose value is the build host's kernel, not the builder's: a lock that
 * depended on them would not be reproducible, so they are refused.
 */
export const HOST_DEPENDENT_MARKERS: ReadonlySet<string> = new Set(['platform_release', 'platform_version']);

/** Spellings from before PEP 508 that old metadata still carries. */
export const LEGACY_MARKER_NAMES: Readonly<Record<string, string>> = Object.freeze({
  'os.name': 'os_name',
  'sys.platform': 'sys_platform',
  'platform.machine': 'platform_machine',
  'platform.python_implementation': 'platform_python_implementation',
  python_implementation: 'platform_python_implementation',
  'platform.version': 'platform_version',
});
