import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { HbuildError } from '../core/errors.js';
import { createEngine, type Engine, type Runtime } from '../engine/index.js';
import { createEnginePool, poolFromFlags, readPoolFile, type EnginePool } from '../pool/index.js';

/** The engine options every building command shares (see OPTIONS: docker-host, engine, engines, images, image-archives, runtime). */
export interface EngineValues {
  'docker-host'?: string | undefined;
  engine: string[];
  engines?: string | undefined;
  images: string;
  'image-archives'?: string | undefined;
  runtime?: Runtime | undefined;
}

/**
 * One engine (`--docker-host`, DOCKER_HOST, the local socket) or, with `--engine` or
 * `--engines`, a pool of them. `warn` is how the user hears of an engine left out.
 */
export async function chooseEngine(
  values: EngineValues,
  context: { storeRoot: string; log: Logger; warn: (message: string) => void },
): Promise<{ engine: Engine; pool?: EnginePool }> {
  const flags = values.engine;
  if (flags.length === 0 && values.engines === undefined) {
    return { engine: createEngine({ host: values['docker-host'] }, values.runtime === undefined ? {} : { runtime: values.runtime }) };
  }
  if (values['docker-host'] !== undefined) throw usage('--docker-host');
  if (flags.length > 0 && values.engines !== undefined) {
    throw new HbuildError('ERR_USAGE', '--engine and --engines cannot be used together', { hint: 'list every engine in the pool file, or give them all as --engine flags' });
  }
  const config = values.engines === undefined ? poolFromFlags(flags) : await readPoolFile(resolve(values.engines));
  const pool = createEnginePool({
    ...config,
    ...(values.runtime === undefined ? {} : { runtime: values.runtime }),
    archives: { imagesDir: resolve(values.images), rootfsDir: resolve(values['image-archives'] ?? join(context.storeRoot, '..', 'images')) },
    log: context.log,
    warn: (message, details) => {
      context.log.warn(details, message);
      context.warn(message);
    },
  });
  return { engine: pool, pool };
}

function usage(flag: string): HbuildError {
  return new HbuildError('ERR_USAGE', `${flag} cannot be used with --engine or --engines`, { hint: 'name the one engine with --engine ADDRESS, or drop the pool flags' });
}
