import type { Logger } from 'pino';
import type { HbuildEvent } from './events.js';

/** Dependencies every stage receives; nothing is taken from module-level singletons. */
export interface StageContext {
  log: Logger;
  emit: (event: HbuildEvent) => void;
  signal: AbortSignal;
}
