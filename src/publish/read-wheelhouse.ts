import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeUtf8, readLimited } from '../attest/read-limited.js';
import { readManifest } from '../attest/read-manifest.js';
import { listWheelFiles } from '../attest/wheel-files.js';
import { sha256File } from '../core/digest.js';
import { HbuildError } from '../core/errors.js';

const MAX_SUMS_BYTES = 16 * 1024 * 1024;

/** One wheel of a wheelhouse whose bytes were just re-hashed against both of its records. */
export interface LocalWheel {
  name: string;
  version: string;
  file: string;
  path: string;
  sha256: string;
  size: number;
}

/**
 * The wheels of a wheelhouse hbuild built, each re-hashed now: every wheel must be listed in
 * manifest.json and in SHA256SUMS with the same sha256, and its bytes must hash to it. A
 * wheelhouse that disagrees with its own records is refused whole (ERR_HASH_MISMATCH), before
 * anything is sent anywhere: something changed it after hbuild wrote it.
 */
export async function readWheelhouse(dir: string): Promise<LocalWheel[]> {
  const manifest = await readManifest(dir);
  const sums = parseSha256Sums(decodeSums(await readLimited(join(dir, 'SHA256SUMS'), MAX_SUMS_BYTES, { noFollow: true }).catch((err: Error) => {
    throw refuse(dir, `SHA256SUMS ${err.message}`);
  })), dir);
  const { wheels: present, defects } = await listWheelFiles(dir);
  const [defect] = defects;
  if (defect !== undefined) throw refuse(dir, `${defect.file} ${defect.message}`);

  const listed = new Set<string>();
  const wheels: LocalWheel[] = [];
  for (const pkg of manifest.packages) {
    const { file, sha256 } = pkg.wheel;
    if (listed.has(file)) throw refuse(dir, `manifest.json lists ${file} twice`);
    listed.add(file);
    const summed = sums.get(file);
    if (summed === undefined) throw refuse(dir, `${file} is in manifest.json but not in SHA256SUMS`);
    if (summed !== sha256) throw refuse(dir, `${file}: manifest.json records sha256 ${sha256}, SHA256SUMS ${summed}`);
    if (!present.includes(file)) throw refuse(dir, `${file} is in manifest.json but not in the wheelhouse`);
    const path = join(dir, file);
    const actual = await sha256File(path);
    if (actual !== sha256) throw refuse(dir, `${file} has sha256 ${actual}, but manifest.json and SHA256SUMS record ${sha256}`);
    wheels.push({ name: pkg.name, version: pkg.version, file, path, sha256, size: (await lstat(path)).size });
  }
  for (const file of present) if (!listed.has(file)) throw refuse(dir, `${file} is in the wheelhouse but not in manifest.json`);
  for (const file of sums.keys()) if (!listed.has(file)) throw refuse(dir, `${file} is in SHA256SUMS but not in manifest.json`);
  return wheels.sort((a, b) => (a.file < b.file ? -1 : 1));
}

function decodeSums(bytes: Buffer): string {
  try {
    return decodeUtf8(bytes);
  } catch {
    throw new HbuildError('ERR_HASH_MISMATCH', 'SHA256SUMS is not UTF-8', { hint: 'rebuild the wheelhouse with `hbuild build`' });
  }
}

/** `sha256  file` lines, as hbuild writes them (and `sha256sum` reads them). */
export function parseSha256Sums(text: string, dir: string): Map<string, string> {
  const sums = new Map<string, string>();
  let line = 0;
  for (const raw of text.split('\n')) {
    line++;
    if (raw === '') continue;
    const m = /^([0-9a-f]{64}) [ *]([^/\\\x00-\x1f\x7f]{1,255})$/.exec(raw);
    if (m === null) throw refuse(dir, `SHA256SUMS line ${line} is not "sha256  file"`);
    const [, sha256, file] = m as unknown as [string, string, string];
    if (sums.has(file)) throw refuse(dir, `SHA256SUMS lists ${file} twice`);
    sums.set(file, sha256);
  }
  return sums;
}

function refuse(dir: string, problem: string): HbuildError {
  return new HbuildError('ERR_HASH_MISMATCH', `not publishing ${dir}: ${problem}`, {
    hint: 'the wheelhouse does not match its own records; nothing was uploaded. Rebuild it with `hbuild build`, or find out who changed it',
    details: { dir },
  });
}
