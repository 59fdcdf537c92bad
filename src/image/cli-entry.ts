/** What the CLI and the build stage need from the builder-image module. */
export { buildImage, type BuildImageOptions, type BuiltImage } from './build.js';
export { ensureImageLoaded, rootfsTarPath, type LoadedImage } from '../engine/image-load.js';
export { debianMirror } from './mirror.js';
export { listImageRecipes, readImageRecipe } from './recipe.js';
export { resolveBuilderImage, type BuilderPin } from '../engine/image-resolve.js';
export { imageTag, imageRepository } from './archive.js';
export type { ImageLog } from './mmdebstrap.js';
export type { ImageRecipe } from './schema.js';
