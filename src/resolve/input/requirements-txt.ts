import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { evaluateMarker, MarkerError } from '../../core/markers.js';
import { DEFAULT_PLATFORM, type TargetPlatform } from '../../core/marker-environment.js';
import { exactPin, parseRequirement, RequirementError } from '../../core/requirement.js';
import { shorten, type InputOrigin, type InputPin, type LockInput } from './types.js';

const MAX_INPUT_BYTES = 8 * 1024 * 1024;
const MAX_INCLUDE_DEPTH = 10;

/** Options pip accepts that change nothing about which sources are pinned. */
const HARMLESS = new Set(['--require-hashes', '--pre', '--prefer-binary', '--no-binary', '--only-binary', '--use-feature']);
const INDEX_OPTIONS = new Set(['-i', '--index-url', '--extra-index-url', '-f', '--find-links', '--trusted-host', '--no-index']);

interface Line extends InputOrigin {
  text: string;
}

/** Logical lines: `\` continuations joined, comments removed, each with its first physical line. */
export function logicalLines(text: string, file: string): Line[] {
  const lines: Line[] = [];
  let pending: Line | undefined;
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const physical = raw.replace(/(^|\s)#.*$/, '');
    const continued = /\\$/.test(physical);
    const part = continued ? physical.slice(0, -1) : physical;
    pending = pending ? { ...pending, text: `${pending.text} ${part}` } : { file, line: i + 1, text: part };
    if (continued) continue;
    if (pending.text.trim() !== '') lines.push({ ...pending, text: pending.text.trim() });
    pending = undefined;
  }
  if (pending && pending.text.trim() !== '') lines.push({ ...pending, text: pending.text.trim() });
  return lines;
}

/**
 * Read a requirements.txt of exact pins, following `-r` includes. Every entry that is not
 * `name==version` (ranges, URLs, VCS, editables, index options) becomes a problem with its
 * line; entries whose marker is false for the builder are skipped.
 */
export async function readRequirementsTxt(path: string, platform: TargetPlatform = DEFAULT_PLATFORM): Promise<LockInput> {
  const result: LockInput = { pins: [], problems: [], skipped: [] };
  await readInto(resolve(path), result, [], path, platform);
  return result;
}

async function readInto(path: string, result: LockInput, stack: string[], shown: string, platform: TargetPlatform): Promise<void> {
  const bytes = await readFile(path);
  if (bytes.length > MAX_INPUT_BYTES) {
    result.problems.push({ file: shown, line: 1, text: '', reason: `larger than ${MAX_INPUT_BYTES} bytes` });
    return;
  }
  for (const line of logicalLines(bytes.toString('utf8'), shown)) {
    const problem = (reason: string): void => void result.problems.push({ file: line.file, line: line.line, text: shorten(line.text), reason });
    if (line.text.startsWith('-')) {
      const [option = '', ...args] = line.text.split(/[\s=]+/);
      if (option === '-r' || option === '--requirement') {
        const target = resolve(dirname(path), args.join(' '));
        if (stack.includes(target) || stack.length >= MAX_INCLUDE_DEPTH) problem('include cycle or nested too deeply');
        else await readInto(target, result, [...stack, path], args.join(' '), platform);
      } else if (option === '-e' || option === '--editable') {
        problem('editable requirements are not supported: hbuild locks released sdists from an index');
      } else if (option === '-c' || option === '--constraint') {
        problem('constraint files are not supported: give the pins themselves');
      } else if (INDEX_OPTIONS.has(option)) {
        problem('index options are not read from the input: pass --index-url / --extra-index-url to hbuild lock');
      } else if (!HARMLESS.has(option)) {
        problem(`unsupported option ${option}`);
      }
      continue;
    }
    const pin = parsePinLine(line, problem, platform);
    if (pin === undefined) continue;
    if ('marker' in pin) result.skipped.push(pin);
    else result.pins.push(pin);
  }
}

/** One requirement line: a pin, a skipped entry, or undefined after reporting a problem. */
function parsePinLine(line: Line, problem: (reason: string) => void, platform: TargetPlatform): InputPin | (InputOrigin & { name: string; marker: string }) | undefined {
  const optionAt = line.text.search(/\s--?[a-z]/);
  const spec = optionAt < 0 ? line.text : line.text.slice(0, optionAt);
  const options = optionAt < 0 ? [] : line.text.slice(optionAt).trim().split(/\s+(?=--?[a-z])/);
  if (/^[a-z][a-z0-9+.-]*:\/\/|^[./~]|^git\+|\.(whl|zip|tar\.gz)$/i.test(spec.trim())) {
    problem('URLs, VCS references and local paths are not supported: pin a released version with name==version');
    return undefined;
  }
  const hashes: string[] = [];
  for (const option of options) {
    const match = /^--hash[=\s]+([a-z0-9]+):([0-9a-fA-F]+)$/.exec(option);
    if (!match) {
      problem(`unsupported per-requirement option ${shorten(option, 40)}`);
      return undefined;
    }
    if (match[1] !== 'sha256' || !/^[0-9a-fA-F]{64}$/.test(match[2]!)) {
      problem(`only sha256 hashes are supported, got ${match[1]}`);
      return undefined;
    }
    hashes.push(match[2]!.toLowerCase());
  }
  try {
    const req = parseRequirement(spec);
    if (req.url) {
      problem('direct URL references are not supported: pin a released version with name==version');
      return undefined;
    }
    if (req.marker !== undefined && !evaluateMarker(req.marker, { platform })) return { file: line.file, line: line.line, name: req.name, marker: req.marker };
    const version = exactPin(req.specifier);
    if (version === undefined) {
      problem(req.specifier ? `not pinned to one version: ${req.specifier}` : 'not pinned: give an exact version with ==');
      return undefined;
    }
    return { name: req.name, key: req.key, version, hashes: [...new Set(hashes)].sort(), ...(req.extras.length > 0 ? { extras: req.extras } : {}), origin: { file: line.file, line: line.line } };
  } catch (err) {
    if (err instanceof RequirementError || err instanceof MarkerError) {
      problem(err.message);
      return undefined;
    }
    throw err;
  }
}
