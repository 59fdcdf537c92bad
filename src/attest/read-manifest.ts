import { join } from 'node:path';
import { HbuildError } from '../core/errors.js';
import { decodeUtf8, readLimited } from './read-limited.js';
import { Manifest } from './schema.js';

const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** manifest.json of a wheelhouse, validated; any problem is an integrity error naming the file. */
export async function readManifest(wheelhouseDir: string): Promise<Manifest> {
  const path = join(wheelhouseDir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(decodeUtf8(await readLimited(path, MAX_MANIFEST_BYTES, { noFollow: true })));
  } catch (err) {
    throw invalid(path, err instanceof SyntaxError || err instanceof TypeError ? 'is not UTF-8 JSON' : (err as Error).message);
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalid(path, `${issue?.path.join('.') || 'top level'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function invalid(path: string, problem: string): HbuildError {
  return new HbuildError('ERR_ATTESTATION_INVALID', `${path} ${problem}`, {
    hint: 'attestations are made from the manifest hbuild writes when it publishes; rebuild the wheelhouse',
    details: { path },
  });
}
