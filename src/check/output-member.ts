import type { Header } from 'tar-stream';
import { HbuildError } from '../core/errors.js';
import { quote } from './display.js';
import { matchWheelName } from './wheel-name.js';

/** What Docker's archive of /build/out may hold: the directory itself and the wheel in it. */
export type OutputMember = { kind: 'directory' } | { kind: 'wheel'; file: string };

const OUT_DIR = 'out';
const HINT = 'The build must write exactly one wheel, and nothing else, to /build/out.';
const UNSAFE_CHARS = /[\\\u0000-\u001f\u007f]/;

export function outputRefused(member: string, why: string): HbuildError {
  return new HbuildError('ERR_BUILD_OUTPUT', `build output member ${quote(member)} refused: ${why}`, {
    hint: HINT,
    details: { member },
  });
}

export function noWheel(): HbuildError {
  return new HbuildError('ERR_BUILD_OUTPUT', 'the build produced no wheel', { hint: HINT });
}

/** Accept the `out/` directory or one regular wheel file directly inside it; refuse everything else. */
export function classifyMember(header: Header, maxBytes: number): OutputMember {
  const name = header.name;
  checkName(name);
  switch (header.type) {
    case 'directory':
      if (name !== `${OUT_DIR}/` && name !== OUT_DIR) throw outputRefused(name, 'unexpected directory');
      if (header.size !== 0) throw outputRefused(name, 'directory entry carries data');
      return { kind: 'directory' };
    case 'file':
      return { kind: 'wheel', file: wheelFile(name, header.size, maxBytes) };
    case 'symlink':
      throw outputRefused(name, 'is a symlink');
    case 'link':
      throw outputRefused(name, 'is a hardlink');
    case 'character-device':
    case 'block-device':
    case 'fifo':
      throw outputRefused(name, `is a ${header.type}`);
    default:
      throw outputRefused(name, `has unsupported type ${quote(String(header.type))}`);
  }
}

function checkName(name: string): void {
  if (name.length === 0) throw outputRefused(name, 'empty name');
  if (UNSAFE_CHARS.test(name)) throw outputRefused(name, 'name contains a backslash or control character');
  if (name.startsWith('/')) throw outputRefused(name, 'absolute path');
  const parts = name.split('/');
  if (parts.includes('..') || parts.includes('.')) throw outputRefused(name, 'path traversal');
}

function wheelFile(name: string, size: number, maxBytes: number): string {
  const parts = name.split('/');
  if (parts.length !== 2 || parts[0] !== OUT_DIR) {
    throw outputRefused(name, `not directly inside ${OUT_DIR}/ (nested path)`);
  }
  const file = parts[1] ?? '';
  if (matchWheelName(file) === undefined) throw outputRefused(name, 'not a valid wheel file name');
  if (!Number.isSafeInteger(size) || size < 0) throw outputRefused(name, 'invalid size');
  if (size > maxBytes) throw outputRefused(name, `${size} bytes exceeds the limit of ${maxBytes}`);
  return file;
}
