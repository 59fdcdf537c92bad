import type { Server } from 'node:http';
import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { EngineAddress } from '../build/docker.js';
import { hostKey } from '../build/container.js';
import { createDaemonApi } from './api.js';
import { createApiServer } from './http/server.js';
import { listenTcp, listenUnix, prepareSocketDir, type TcpAddress } from './http/listen.js';
import { acquireInstanceLock } from './instance.js';
import type { JobKinds } from './job-kinds.js';
import { JobQueue } from './job-queue.js';
import { openJournal } from './journal.js';
import { createMetrics } from './metrics.js';
import { ensurePrivateDir, jobDir, journalPath, newJobId } from './paths.js';
import { recoverJobs, removeLeftoverContainers, removeOwnContainers } from './recover.js';
import { startScheduler, type ResolvedSchedule, type Scheduler } from './schedules.js';

export interface DaemonConfig {
  stateDir: string;
  storeRoot: string;
  /** Real paths of the directories clients may name. */
  roots: string[];
  socket: { path: string; /** the default location: its directory is ours to create and lock down */ ownsDir: boolean };
  tcp?: { address: TcpAddress; token: string };
  concurrency: number;
  /** How long running jobs may go on after a stop request before they are checkpointed. */
  graceMs: number;
  schedules: ResolvedSchedule[];
  docker: EngineAddress;
  kinds: JobKinds;
  log: Logger;
}

export interface RunningDaemon {
  socketPath: string;
  tcp?: TcpAddress;
  /** Stop intake, let running jobs finish within the grace period, checkpoint the rest, remove containers. */
  stop(): Promise<void>;
}

/** Start the daemon: recover the journal, clean up after a crashed predecessor, then serve. */
export async function startDaemon(config: DaemonConfig): Promise<RunningDaemon> {
  const { log } = config;
  await ensurePrivateDir(config.stateDir);
  const instance = await acquireInstanceLock(config.stateDir);
  const servers: Server[] = [];
  try {
    const recovered = await recoverJobs(config.stateDir, log);
    await removeLeftoverContainers(config.docker, log);
    const journal = await openJournal(journalPath(config.stateDir));
    await journal.append({ op: 'daemon', pid: process.pid, host: hostKey(), at: new Date().toISOString() });
    const metrics = createMetrics();
    const queue = new JobQueue({
      stateDir: config.stateDir,
      journal,
      kinds: config.kinds,
      metrics,
      log,
      concurrency: config.concurrency,
      shared: { roots: config.roots, storeRoot: config.storeRoot, docker: config.docker },
    });
    await queue.restore(recovered.jobs, recovered.requeued);
    let scheduler: Scheduler | undefined;
    const api = createDaemonApi({ ...config, queue, metrics, scheduler: () => scheduler, startedAt: new Date() });

    const unix = createApiServer({ api, log });
    servers.push(unix);
    await prepareSocketDir(dirname(config.socket.path), config.socket.ownsDir);
    await listenUnix(unix, config.socket.path);
    let tcp: TcpAddress | undefined;
    if (config.tcp) {
      const server = createApiServer({ api, log, token: config.tcp.token });
      servers.push(server);
      tcp = await listenTcp(server, config.tcp.address);
    }
    queue.start();
    scheduler = startScheduler(
      config.schedules,
      async (schedule) => {
        if (queue.list().some((j) => j.schedule === schedule.name && j.finishedAt === undefined)) {
          log.info({ schedule: schedule.name }, 'previous scheduled run still pending; skipped');
          return;
        }
        const id = newJobId();
        await queue.add({
          id,
          kind: schedule.kind,
          lockPath: schedule.lockPath,
          source: 'schedule',
          schedule: schedule.name,
          options: schedule.options,
          outDir: `${jobDir(config.stateDir, id)}/wheelhouse`,
          state: 'queued',
          attempts: 0,
          submittedAt: new Date().toISOString(),
        });
      },
      log,
    );
    log.info({ socket: config.socket.path, tcp: tcp ? `${tcp.host}:${tcp.port}` : undefined, roots: config.roots, queued: queue.counts().queued, requeued: recovered.requeued.length }, 'daemon listening');

    return {
      socketPath: config.socket.path,
      ...(tcp ? { tcp } : {}),
      async stop() {
        log.info({ graceSeconds: config.graceMs / 1000, running: queue.counts().running }, 'daemon stopping');
        scheduler?.stop();
        for (const server of servers) server.close();
        await queue.drain(config.graceMs);
        const removed = await removeOwnContainers(config.docker, log);
        if (removed > 0) log.warn({ removed }, 'containers left by stopped builds removed');
        for (const server of servers) server.closeAllConnections();
        await journal.close();
        await unlink(config.socket.path).catch(() => undefined);
        await instance.release();
        log.info('daemon stopped');
      },
    };
  } catch (err) {
    for (const server of servers) server.close();
    await instance.release();
    throw err;
  }
}
