import { readFile } from 'node:fs/promises';
import { parse } from 'smol-toml';
import { HbuildError } from '../../core/errors.js';

const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/** Read and parse a TOML input with a size bound; bad TOML is an input error naming the file. */
export async function readTomlInput(path: string, shown: string): Promise<{ data: unknown; text: string }> {
  const bytes = await readFile(path);
  if (bytes.length > MAX_INPUT_BYTES) throw new HbuildError('ERR_USAGE', `${shown} is larger than ${MAX_INPUT_BYTES} bytes`);
  const text = bytes.toString('utf8');
  try {
    return { data: parse(text), text };
  } catch (err) {
    throw new HbuildError('ERR_USAGE', `${shown} is not valid TOML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
}

/** 1-based line of each `[[header]]` table in order, so problems can name a line. */
export function tableLines(text: string, header: string): number[] {
  const lines: number[] = [];
  const pattern = new RegExp(`^\\s*\\[\\[\\s*${header.replace(/[.-]/g, (c) => `\\${c}`)}\\s*\\]\\]`);
  for (const [i, line] of text.split(/\r?\n/).entries()) if (pattern.test(line)) lines.push(i + 1);
  return lines;
}

/** `sha256:<hex>` or a bare hex digest, lowercased; undefined for anything else. */
export function sha256Digest(value: string | undefined): string | undefined {
  const hex = value?.replace(/^sha256:/i, '');
  return hex !== undefined && /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toLowerCase() : undefined;
}

export function zodProblems(error: { issues: Array<{ path: PropertyKey[]; message: string }> }): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(top)'}: ${i.message}`)
    .join('; ');
}
