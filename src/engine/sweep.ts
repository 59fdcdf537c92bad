import type Docker from 'dockerode';
import { hostKey, isAlive } from '../core/process.js';
import { removeContainer } from './container.js';
import { CONTAINER_LABEL, OWNER_HOST_LABEL, OWNER_PID_LABEL } from './labels.js';

/** Remove the containers of hbuild processes of this host that are gone (a crash, `kill -9`). */
export async function removeStaleContainers(docker: Docker, alive: (pid: number) => boolean = isAlive): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [CONTAINER_LABEL, `${OWNER_HOST_LABEL}=${hostKey()}`] } });
  let removed = 0;
  for (const info of list) {
    const owner = Number(info.Labels[OWNER_PID_LABEL]);
    if (Number.isInteger(owner) && !alive(owner)) {
      await removeContainer(docker.getContainer(info.Id));
      removed++;
    }
  }
  return removed;
}

/** Remove every container this process still owns (a daemon's shutdown). */
export async function removeOwnContainers(docker: Docker): Promise<number> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [CONTAINER_LABEL, `${OWNER_PID_LABEL}=${process.pid}`, `${OWNER_HOST_LABEL}=${hostKey()}`] },
  });
  for (const info of list) await removeContainer(docker.getContainer(info.Id));
  return list.length;
}
