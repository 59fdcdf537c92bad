import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Engine } from '../engine/index.js';
import { compactJournal, pruneFinished, readJournal, requeueInterrupted } from './journal.js';
import { jobDir, journalPath } from './paths.js';
import type { Job } from './schema.js';

/** Finished jobs remembered across restarts (with their event logs and wheelhouses in the state dir). */
export const KEEP_FINISHED_JOBS = 1000;

/**
 * Replay the journal: jobs that were running when the last daemon died are queued again,
 * old finished jobs are forgotten, and the journal is rewritten as one snapshot per job.
 */
export async function recoverJobs(stateDir: string, log: Logger): Promise<{ jobs: Job[]; requeued: string[] }> {
  const path = journalPath(stateDir);
  const state = await readJournal(path);
  if (state.skipped > 0) log.warn({ skipped: state.skipped }, 'journal lines skipped (torn by a crash)');
  const requeued = requeueInterrupted(state.jobs);
  const dropped = pruneFinished(state.jobs, KEEP_FINISHED_JOBS);
  for (const id of dropped) await rm(jobDir(stateDir, id), { recursive: true, force: true });
  await compactJournal(path, state.jobs.values());
  if (requeued.length > 0) log.info({ requeued, previousDaemon: state.previousDaemon }, 'interrupted jobs queued again');
  return { jobs: [...state.jobs.values()], requeued };
}

/** Containers of builds whose hbuild process died (a killed daemon's included) are removed before anything runs. */
export async function removeLeftoverContainers(engine: Engine, log: Logger): Promise<void> {
  try {
    const removed = await engine.sweepStale();
    if (removed > 0) log.info({ removed }, 'containers of dead hbuild processes removed');
  } catch (err) {
    log.warn({ err }, 'cannot remove leftover containers now; the engine is unavailable');
  }
}

/** On shutdown: whatever container still carries this daemon's pid is removed. */
export async function removeOwnContainers(engine: Engine, log: Logger): Promise<number> {
  try {
    return await engine.removeOwn();
  } catch (err) {
    log.warn({ err }, 'cannot check for containers of this daemon; the engine is unavailable');
    return 0;
  }
}
