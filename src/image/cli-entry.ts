/** What the CLI needs from the builder-image module. */
export { buildImage, type BuildImageOptions, type BuiltImage } from './build.js';
export { ensureImageLoaded, rootfsTarPath } from './load.js';
export { debianMirror } from './mirror.js';
export { listImageRecipes, readImageRecipe } from './recipe.js';
export { imageTag } from './archive.js';
export type { ImageLog } from './mmdebstrap.js';
export type { ImageRecipe } from './schema.js';
export { derivedImageName, derivedRecipe } from './derive.js';
export { libraryMapFromRootfs, libraryMapFromSavedImage, libraryMapPath, readLibraryMap, writeLibraryMap, type StoredLibraryMap } from './dpkg-libraries.js';
export type { LibraryMap, LibraryOwner } from './schema.js';
