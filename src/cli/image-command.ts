import { join } from 'node:path';
import { createEngine } from '../engine/index.js';
import { buildImage } from '../image/build.js';
import { defaultStoreRoot } from '../store/store.js';
import { EXIT } from '../core/exit-codes.js';
import { isHelpFlag, printHelp, renderGroupHelp, unknownSubcommand } from './command-help.js';
import { IMAGE_BUILD } from './commands.js';
import { createRunLogger } from './logger.js';
import { parseCommand } from './parse-command.js';

/** `hbuild image build NAME`: returns the exit code; usage mistakes are thrown as ERR_USAGE. */
export async function runImageCommand(argv: string[], signal: AbortSignal): Promise<number> {
  const [verb, ...rest] = argv;
  if (isHelpFlag(verb)) return printHelp(renderGroupHelp('image'));
  if (verb !== 'build') throw unknownSubcommand('image', verb);
  const parsed = parseCommand(IMAGE_BUILD, rest);
  if (parsed.help) return printHelp(parsed.usage);
  const { values, args } = parsed;
  const { name } = args;
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
