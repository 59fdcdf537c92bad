import { satisfies } from '@renovatebot/pep440';
import { HbuildError } from '../../core/errors.js';
import { normalizeName, PROJECT_NAME } from '../../core/pep503.js';
import { DEFAULT_PLATFORM, type TargetPlatform } from '../../core/marker-environment.js';
import { evaluateMarker, MarkerError } from '../../core/markers.js';
import { Pylock, type PylockPackage } from './schema.js';
import { readTomlInput, sha256Digest, tableLines, zodProblems } from './toml-input.js';
import type { LockInput } from './types.js';

/**
 * Read a PEP 751 pylock.toml: every package whose marker holds for the builder, pinned
 * by name and version with the sdist and wheel sha256 it records. Packages from VCS,
 * directories or archive URLs are problems.
 */
export async function readPylock(path: string, shown: string, platform: TargetPlatform = DEFAULT_PLATFORM): Promise<LockInput> {
  const { data, text } = await readTomlInput(path, shown);
  const parsed = Pylock.safeParse(data);
  if (!parsed.success) throw new HbuildError('ERR_USAGE', `${shown} is not a PEP 751 lock file: ${zodProblems(parsed.error)}`);
  const lock = parsed.data;
  if (!/^1\.\d+$/.test(lock['lock-version'])) {
    throw new HbuildError('ERR_USAGE', `${shown} has lock-version ${lock['lock-version']}; hbuild reads 1.x`);
  }
  const result: LockInput = { pins: [], problems: [], skipped: [] };
  const context = { platform, dependencyGroups: new Set(lock['default-groups'] ?? []), lockExtras: new Set<string>() };
  const top = (reason: string): void => void result.problems.push({ file: shown, line: 1, text: '', reason });
  if (lock['requires-python'] && !satisfies(platform.python, lock['requires-python'])) top(`requires-python ${lock['requires-python']} excludes the builder's Python ${platform.python}`);
  if (lock.environments && !lock.environments.some((env) => safeEvaluate(env, context) === true)) top(`none of the lock's environments is the builder's (linux x86_64, CPython ${platform.python})`);

  const lines = tableLines(text, 'packages');
  for (const [i, pkg] of lock.packages.entries()) {
    const line = lines[i] ?? 1;
    const problem = (reason: string): void => void result.problems.push({ file: shown, line, text: `${pkg.name} ${pkg.version ?? ''}`.trim(), reason });
    if (pkg.marker !== undefined) {
      const holds = safeEvaluate(pkg.marker, context);
      if (typeof holds === 'string') {
        problem(`bad marker: ${holds}`);
        continue;
      }
      if (!holds) {
        result.skipped.push({ file: shown, line, name: pkg.name, marker: pkg.marker });
        continue;
      }
    }
    const reason = unsupported(pkg, platform);
    if (reason) {
      problem(reason);
      continue;
    }
    const sdistSha256 = pkg.sdist ? sha256Digest(pkg.sdist.hashes?.sha256) : undefined;
    const wheelSha256s = (pkg.wheels ?? []).map((w) => sha256Digest(w.hashes?.sha256)).filter((h): h is string => h !== undefined);
    if (pkg.sdist && !sdistSha256) {
      problem('its sdist has no sha256 hash');
      continue;
    }
    result.pins.push({
      name: pkg.name,
      key: normalizeName(pkg.name),
      version: pkg.version!,
      hashes: [...new Set([...(sdistSha256 ? [sdistSha256] : []), ...wheelSha256s])].sort(),
      ...(sdistSha256 ? { sdistSha256 } : {}),
      wheelSha256s: [...new Set(wheelSha256s)].sort(),
      origin: { file: shown, line },
    });
  }
  return result;
}

function unsupported(pkg: PylockPackage, platform: TargetPlatform): string | undefined {
  if (!PROJECT_NAME.test(pkg.name)) return 'not a valid project name';
  if (pkg.vcs !== undefined) return 'VCS packages are not supported: pin a released version';
  if (pkg.directory !== undefined) return 'local directories are not supported: pin a released version';
  if (pkg.archive !== undefined) return 'archive URLs are not supported: pin a released version from an index';
  if (pkg.version === undefined) return 'has no version';
  if (pkg['requires-python'] && !satisfies(platform.python, pkg['requires-python'])) return `requires-python ${pkg['requires-python']} excludes the builder's Python ${platform.python}`;
  return undefined;
}

function safeEvaluate(marker: string, context: Parameters<typeof evaluateMarker>[1]): boolean | string {
  try {
    return evaluateMarker(marker, context);
  } catch (err) {
    if (err instanceof MarkerError) return err.message;
    throw err;
  }
}

