/** The pool's face: many Docker engines behind the one Engine port. */
export { createEnginePool, type EnginePool, type PoolOptions } from './pool.js';
export { parseEngineFlag, parsePoolText, poolFromFlags, readPoolFile, type PoolConfig, type PoolMemberConfig } from './read-config.js';
export { MIN_API_VERSION } from './members.js';
export type { ArchiveSource } from './builder-archive.js';
