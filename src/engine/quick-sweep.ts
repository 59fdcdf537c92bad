import { request } from 'node:http';
import { hostKey, isAlive } from '../core/process.js';
import { CONTAINER_LABEL, OWNER_HOST_LABEL, OWNER_PID_LABEL } from './labels.js';

/** A listing of hbuild's own containers is small; anything larger is refused. */
const MAX_LISTING_BYTES = 8 * 1024 * 1024;
const DEADLINE_MS = 5_000;

/**
 * The stale-container sweep over a unix socket with two plain Engine API calls, so that
 * a run that needs no build (everything cached, `hbuild vet`) can sweep at its start
 * without loading the Docker client. Same rule as `removeStaleContainers`.
 */
export async function quickSweep(socketPath: string, alive: (pid: number) => boolean = isAlive): Promise<number> {
  const filters = JSON.stringify({ label: [CONTAINER_LABEL, `${OWNER_HOST_LABEL}=${hostKey()}`] });
  const listing = await call(socketPath, 'GET', `/containers/json?all=1&filters=${encodeURIComponent(filters)}`);
  const containers = JSON.parse(listing) as unknown;
  if (!Array.isArray(containers)) throw new Error('the engine answered the container listing with something else');
  let removed = 0;
  for (const info of containers as Array<{ Id?: unknown; Labels?: Record<string, string> }>) {
    const owner = Number(info.Labels?.[OWNER_PID_LABEL]);
    if (typeof info.Id !== 'string' || !/^[0-9a-f]{64}$/.test(info.Id) || !Number.isInteger(owner) || alive(owner)) continue;
    await call(socketPath, 'DELETE', `/containers/${info.Id}?force=1&v=1`).catch((err: unknown) => {
      if ((err as { status?: number }).status !== 404) throw err;
    });
    removed++;
  }
  return removed;
}

function call(socketPath: string, method: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: DEADLINE_MS, headers: { Host: 'docker' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_LISTING_BYTES) req.destroy(new Error('the engine answer is too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(body);
        else reject(Object.assign(new Error(`engine answered ${method} ${path.split('?')[0]} with HTTP ${status}`), { status }));
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from the engine within ${DEADLINE_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}
