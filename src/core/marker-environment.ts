/**
 * The platform a target builds for: its builder image's CPython on linux x86_64.
 * Environment markers of inputs, build requirements and wheels' Requires-Dist, and
 * Requires-Python, are evaluated against one of these.
 */
export interface TargetPlatform {
  /** CPython's full version, e.g. 3.11.2: what Requires-Python is checked against. */
  python: string;
  /** PEP 508 marker variables and their values. */
  markers: Readonly<Record<string, string>>;
}

const FULL_VERSION = /^(\d+)\.(\d+)\.(\d+)$/;

/** The platform of a CPython `major.minor.micro` on linux x86_64; a version of another shape is a programmer error. */
export function platformFor(python: string): TargetPlatform {
  const match = FULL_VERSION.exec(python);
  if (!match) throw new Error(`platformFor: expected a Python version like 3.11.2, got ${JSON.stringify(python)}`);
  return Object.freeze({
    python,
    markers: Object.freeze({
      os_name: 'posix',
      sys_platform: 'linux',
      platform_machine: 'x86_64',
      platform_system: 'Linux',
      platform_python_implementation: 'CPython',
      implementation_name: 'cpython',
      implementation_version: python,
      python_version: `${match[1]}.${match[2]}`,
      python_full_version: python,
    }),
  });
}

/** The default builder image's platform (Debian bookworm's CPython 3.11.2): what a one-target lock builds for. */
export const DEFAULT_PLATFORM: TargetPlatform = platformFor('3.11.2');

/** The default builder image's Python. */
export const BUILDER_PYTHON = DEFAULT_PLATFORM.python;

/** The default builder image's marker values. */
export const BUILDER_MARKERS: Readonly<Record<string, string>> = DEFAULT_PLATFORM.markers;

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
