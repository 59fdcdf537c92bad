import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { HbuildError } from '../../core/errors.js';

const OWNER = { uid: 1000, gid: 1000, mtime: new Date(0) };
const MAX_ANSWER_BYTES = 1024 * 1024;
const MAX_REQUIRES = 500;

/** /build scaffolding for a hook run: home, out, env, the wheels and the probe files. */
export function probeInputTar(wheels: Array<{ file: string; path: string; size: number }>, files: Record<string, string>): Readable {
  const archive = pack();
  const fill = async (): Promise<void> => {
    for (const dir of ['home', 'out', 'wheels', 'probe']) archive.entry({ name: `${dir}/`, type: 'directory', mode: 0o755, ...OWNER });
    for (const [name, text] of Object.entries(files)) archive.entry({ name: `probe/${name}`, type: 'file', mode: 0o644, ...OWNER }, text);
    for (const wheel of wheels) {
      await new Promise<void>((resolve, reject) => {
        const entry = archive.entry({ name: `wheels/${wheel.file}`, type: 'file', mode: 0o644, size: wheel.size, ...OWNER }, (err) => (err ? reject(err) : resolve()));
        createReadStream(wheel.path).on('error', reject).pipe(entry);
      });
    }
    archive.finalize();
  };
  fill().catch((err: unknown) => archive.destroy(err as Error));
  return archive as unknown as Readable;
}

/**
 * The hook's answer from the tar of /build/out: only `out/requires.json`, a regular file of
 * bounded size holding `{"requires": [strings]}`. The tar is hostile input like any build output.
 */
export async function readHookAnswer(tar: Readable, what: string): Promise<string[]> {
  const reader = extract();
  let answer: string | undefined;
  const done = new Promise<void>((resolve, reject) => {
    reader.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const wanted = header.name.replace(/^\.\//, '') === 'out/requires.json' && header.type === 'file';
      stream.on('data', (data: unknown) => {
        const chunk = data as Buffer;
        size += chunk.length;
        if (wanted && size <= MAX_ANSWER_BYTES) chunks.push(chunk);
      });
      stream.on('end', () => {
        if (wanted && size <= MAX_ANSWER_BYTES) answer = Buffer.concat(chunks).toString('utf8');
        next();
      });
      stream.on('error', reject);
    });
    reader.on('finish', resolve);
    reader.on('error', reject);
  });
  tar.pipe(reader);
  await done;
  const refuse = (why: string): HbuildError => new HbuildError('ERR_BUILD_OUTPUT', `${what}: ${why}`, { hint: 'the backend answered get_requires_for_build_wheel with something unusable' });
  if (answer === undefined) throw refuse(`no requires.json of at most ${MAX_ANSWER_BYTES} bytes came out`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer);
  } catch {
    throw refuse('requires.json is not JSON');
  }
  const requires = (parsed as { requires?: unknown }).requires;
  if (!Array.isArray(requires) || requires.length > MAX_REQUIRES || !requires.every((r) => typeof r === 'string' && r.length <= 1000)) {
    throw refuse(`requires.json does not hold a list of at most ${MAX_REQUIRES} requirement strings`);
  }
  return requires as string[];
}
