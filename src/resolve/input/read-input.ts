import { basename } from 'node:path';
import { HbuildError } from '../../core/errors.js';
import { DEFAULT_PLATFORM, type TargetPlatform } from '../../core/marker-environment.js';
import { exactPin, parseRequirement, RequirementError } from '../../core/requirement.js';
import { readPylock } from './pylock.js';
import { readRequirementsTxt } from './requirements-txt.js';
import type { InputPin, LockInput } from './types.js';
import { readUvLock } from './uv-lock.js';

export type InputFormat = 'requirements' | 'pylock' | 'uv';

/** The format by file name, as the tools that write them name them. */
export function inputFormat(path: string): InputFormat {
  const name = basename(path);
  if (name === 'uv.lock') return 'uv';
  if (/^pylock(\.[^.]+)?\.toml$/.test(name)) return 'pylock';
  return 'requirements';
}

/** Read any supported input; files that cannot be read are usage errors. */
export async function readLockInput(path: string, platform: TargetPlatform = DEFAULT_PLATFORM): Promise<LockInput> {
  try {
    const format = inputFormat(path);
    const input = format === 'uv' ? await readUvLock(path, path, platform) : format === 'pylock' ? await readPylock(path, path, platform) : await readRequirementsTxt(path, platform);
    return withDuplicatesReported(input);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
      throw new HbuildError('ERR_USAGE', `cannot read ${path} (${code})`, { hint: 'give a requirements.txt, pylock.toml or uv.lock' });
    }
    throw err;
  }
}

/** `--add name==version` arguments as pins; anything but an exact pin is a problem. */
export function addPins(specs: readonly string[]): LockInput {
  const input: LockInput = { pins: [], problems: [], skipped: [] };
  for (const spec of specs) {
    const problem = (reason: string): void => void input.problems.push({ file: '--add', line: 0, text: spec, reason });
    try {
      const req = parseRequirement(spec);
      const version = exactPin(req.specifier);
      if (req.url || req.marker !== undefined || version === undefined) problem('expected name==version');
      else input.pins.push({ name: req.name, key: req.key, version, hashes: [], ...(req.extras.length > 0 ? { extras: req.extras } : {}), origin: { file: '--add', line: 0 } });
    } catch (err) {
      if (!(err instanceof RequirementError)) throw err;
      problem(err.message);
    }
  }
  return withDuplicatesReported(input);
}

/** One version per name: a second pin of the same name is a problem, as pip refuses double requirements. */
export function withDuplicatesReported(input: LockInput): LockInput {
  const seen = new Map<string, InputPin>();
  const pins: InputPin[] = [];
  for (const pin of input.pins) {
    const first = seen.get(pin.key);
    if (first === undefined) {
      seen.set(pin.key, pin);
      pins.push(pin);
    } else {
      input.problems.push({ ...pin.origin, text: `${pin.name}==${pin.version}`, reason: `${pin.name} is pinned twice (first at line ${first.origin.line})` });
    }
  }
  return { ...input, pins };
}
