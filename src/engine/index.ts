/** The engine module's face: the only way the rest of hbuild reaches a container engine. */
export { createEngine, sweepLeftovers, type Engine, type EngineOptions, type EngineStats, type EngineVersion } from './engine.js';
export { DEFAULT_RUNTIME, RUNTIMES, type Runtime } from './runtime.js';
export { describeEngine, type EngineAddress } from './connect.js';
export type { ContainerOutcome, ContainerSpec } from './container.js';
export { DEFAULT_LIMITS, type ContainerLimits } from './container-limits.js';
export type { ExpectedImage, LoadedImage } from './image-load.js';
export type { BuilderPin } from './image-resolve.js';
export { CONTAINER_LABEL, IMAGE_LABEL, imageRepository, OWNER_HOST_LABEL, OWNER_PID_LABEL, PACKAGE_LABEL, ROOTFS_LABEL } from './labels.js';
