import { hostKey } from '../core/process.js';

/** Every container hbuild creates carries this label, so leftovers can be found and removed. */
export const CONTAINER_LABEL = 'org.hbuild.build';
/** The pid and host of the hbuild process that owns a container. */
export const OWNER_PID_LABEL = 'org.hbuild.owner-pid';
export const OWNER_HOST_LABEL = 'org.hbuild.owner-host';
/** The package a build container builds (`name==version`). */
export const PACKAGE_LABEL = 'org.hbuild.package';
/** Builder images: the recipe name and the rootfs digest they hold. */
export const IMAGE_LABEL = 'org.hbuild.image';
export const ROOTFS_LABEL = 'org.hbuild.rootfs';

/** The labels that tie a container to this process; the engine adds them to every container. */
export function ownerLabels(): Record<string, string> {
  return { [CONTAINER_LABEL]: '1', [OWNER_PID_LABEL]: String(process.pid), [OWNER_HOST_LABEL]: hostKey() };
}

/** The Docker repository builder image `name` is tagged in. */
export function imageRepository(name: string): string {
  return `hbuild-builder/${name}`;
}
