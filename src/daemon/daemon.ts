import type { Server } from 'node:http';
import { unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { hostKey } from '../core/process.js';
import type { Engine } from '../engine/index.js';
import { createDaemonApi } from './api.js';
import { createApiServer } from './http/server.js';
import { listenTcp, listenUnix, type TcpAddress } from './http/listen.js';
import { acquireInstanceLock } from './instance.js';
import type { JobKinds } from './job-runner.js';
import { JobQueue } from './job-queue.js';
import { openJournal, type Journal } from './journal.js';
import { createMetrics } from './metrics.js';
import { registerEngineMetrics } from './engine-metrics.js';
import { ensurePrivateDir, journalPath } from './paths.js';
import { recoverJobs, removeLeftoverContainers, removeOwnContainers } from './recover.js';
import { startScheduler, type ResolvedSchedule, type Scheduler } from './schedules.js';
import { scheduledJob } from './submit.js';

export interface DaemonConfig {
  stateDir: string;
  /** The default location: ours to create and lock down (0700). A directory the user names is not chmod-ed. */
  ownsStateDir: boolean;
  storeRoot: string;
  /** Real paths of the directories clients may name. */
  roots: string[];
  socket: { path: string; /** the default location: its directory is ours to create and lock down */ ownsDir: boolean };
  tcp?: { address: TcpAddress; token: string };
  concurrency: number;
  /** How long running jobs may go on after a stop request before they are checkpointed. */
  graceMs: number;
  schedules: ResolvedSchedule[];
  engine: Engine;
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
  await ensurePrivateDir(config.stateDir, config.ownsStateDir);
  const instance = await acquireInstanceLock(config.stateDir);
  const servers: Server[] = [];
  let journal: Journal | undefined;
  try {
    const recovered = await recoverJobs(config.stateDir, log);
    await removeLeftoverContainers(config.engine, log);
    journal = await openJournal(journalPath(config.stateDir));
    await journal.append({ op: 'daemon', pid: process.pid, host: hostKey(), at: new Date().toISOString() });
    const metrics = createMetrics();
    registerEngineMetrics(metrics.registry, () => config.engine.stats?.() ?? []);
    const queue = new JobQueue({
      stateDir: config.stateDir,
      journal,
      kinds: config.kinds,
      metrics,
      log,
      concurrency: config.concurrency,
      shared: { roots: config.roots, storeRoot: config.storeRoot, engine: config.engine },
    });
    await queue.restore(recovered.jobs, recovered.requeued);
    const queued = queue.counts().queued;
    let scheduler: Scheduler | undefined;
    const api = createDaemonApi({ ...config, queue, metrics, scheduler: () => scheduler, startedAt: new Date() });

    // Listen before the queue starts: listenUnix narrows the umask for a moment, and no job may write files then.
    const unix = createApiServer({ api, log });
    servers.push(unix);
    await ensurePrivateDir(dirname(config.socket.path), config.socket.ownsDir);
    await listenUnix(unix, config.socket.path);
    let tcp: TcpAddress | undefined;
    if (config.tcp) {
      const server = createApiServer({ api, log, token: config.tcp.token });
      servers.push(server);
      tcp = await listenTcp(server, config.tcp.address);
    }
    for (const schedule of config.schedules) {
      if (!config.kinds.runnerFor(schedule.kind)) log.warn({ schedule: schedule.name, kind: schedule.kind }, 'this daemon cannot run the schedule\'s kind yet; its runs will fail');
    }
    queue.start();
    scheduler = startScheduler(
      config.schedules,
      async (schedule) => {
        if (queue.draining) return;
        if (queue.list().some((j) => j.schedule === schedule.name && j.finishedAt === undefined)) {
          log.info({ schedule: schedule.name }, 'previous scheduled run still pending; skipped');
          return;
        }
        await queue.add(scheduledJob(schedule, config.stateDir));
      },
      log,
    );
    log.info({ socket: config.socket.path, tcp: tcp ? `${tcp.host}:${tcp.port}` : undefined, roots: config.roots, queued, requeued: recovered.requeued.length }, 'daemon listening');

    return {
      socketPath: config.socket.path,
      ...(tcp ? { tcp } : {}),
      async stop() {
        log.info({ graceSeconds: config.graceMs / 1000, running: queue.counts().running }, 'daemon stopping');
        scheduler?.stop();
        for (const server of servers) server.close();
        await queue.drain(config.graceMs);
        const removed = await removeOwnContainers(config.engine, log);
        if (removed > 0) log.warn({ removed }, 'containers left by stopped builds removed');
        for (const server of servers) server.closeAllConnections();
        await journal?.close();
        await unlink(config.socket.path).catch(() => undefined);
        await instance.release();
        log.info('daemon stopped');
      },
    };
  } catch (err) {
    for (const server of servers) server.close();
    await journal?.close();
    await instance.release();
    throw err;
  }
}
