import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { isHbuildError } from '../core/errors.js';
import type { HbuildEvent } from '../core/events.js';
import { BuildAction } from '../store/records.js';
import type { Store } from '../store/store.js';

/** What the action cache needs: the store, and where to say that a cached wheel was bad. */
export interface CacheContext {
  store: Store;
  log: Logger;
  emit: (event: HbuildEvent) => void;
}

/** A previous identical build, if its record is sound and its wheel still intact in the store. */
export async function reuse(context: CacheContext, digest: string, name: string): Promise<BuildAction | null> {
  const action = await context.store.readAction(digest, BuildAction);
  if (!action || action.inputDigest !== digest) return null;
  try {
    const path = await context.store.verifiedBlob('wheels', action.wheel.sha256, action.wheel.file);
    return path ? action : null;
  } catch (err) {
    if (!isHbuildError(err, 'ERR_STORE_CORRUPT')) throw err;
    context.log.warn({ pkg: name, sha256: action.wheel.sha256 }, 'cached wheel corrupt; rebuilding');
    context.emit({ type: 'log', level: 'warn', message: `${name}: cached wheel was corrupt and is rebuilt`, details: err.details });
    return null;
  }
}

/** Keep an accepted wheel and the record that leads to it from its inputs. */
export async function remember(context: CacheContext, record: BuildAction, wheelPath: string): Promise<void> {
  await context.store.putFile('wheels', wheelPath, { expected: record.wheel.sha256, what: record.wheel.file });
  await context.store.writeAction(record.inputDigest, record);
}

/** Move a refused wheel and its log under `rejected/`, for diffing; never published. Returns that directory. */
export async function keepRejected(context: CacheContext, label: string, wheelPath: string, file: string, logPath: string): Promise<string> {
  const dir = await context.store.rejectedDir(label);
  await rename(wheelPath, join(dir, file)).catch(() => undefined);
  await rename(logPath, join(dir, 'build.log')).catch(() => undefined);
  context.log.warn({ label, dir }, 'build output rejected and kept for diffing');
  return dir;
}
