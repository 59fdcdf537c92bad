import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createEngine } from '../engine/index.js';
import { HbuildError } from '../core/errors.js';
import { buildImage } from '../image/build.js';
import { defaultStoreRoot } from '../store/store.js';
import { EXIT } from '../core/exit-codes.js';
import { createRunLogger } from './logger.js';

export async function runImageCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'build') {
    throw new HbuildError('ERR_USAGE', `unknown image command ${JSON.stringify(verb ?? '')}`, { hint: 'hbuild image build NAME' });
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      images: { type: 'string', default: 'images' },
      mirror: { type: 'string' },
      out: { type: 'string' },
      store: { type: 'string' },
      'docker-host': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const [name] = positionals;
  if (!name || positionals.length !== 1) throw new HbuildError('ERR_USAGE', 'one image name expected', { hint: 'hbuild image build default' });
  const storeRoot = values.store ?? defaultStoreRoot();
  const { log, flush } = createRunLogger(storeRoot);
  try {
    const engine = createEngine({ host: values['docker-host'] });
    await engine.ping();
    process.stderr.write(`hbuild: building builder image ${name} (mmdebstrap; this takes a minute)\n`);
    const built = await buildImage({
      name,
      imagesDir: values.images,
      outDir: values.out ?? join(storeRoot, '..', 'images'),
      mirror: values.mirror,
      engine,
      log,
      signal,
    });
    if (values.json) process.stdout.write(`${JSON.stringify({ image: name, rootfs: built.rootfsDigest, imageId: built.imageId })}\n`);
    else process.stdout.write(`${built.rootfsDigest}\n`);
    process.stderr.write(`builder image ${name}: rootfs ${built.rootfsDigest}, image ${built.imageId}\npin it in lock.yaml as builder.rootfs\n`);
    return EXIT.ok;
  } finally {
    flush();
  }
}
