import { CronExpressionParser } from 'cron-parser';
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { HbuildError } from '../core/errors.js';
import { checkLockPath } from './roots.js';
import { ScheduleFile, type Schedule } from './schema.js';

const MAX_SCHEDULE_FILE_BYTES = 1024 * 1024;
/** Timers are re-armed at least this often, so a clock change is noticed within a minute. */
const MAX_SLEEP_MS = 60_000;

export interface ResolvedSchedule extends Schedule {
  /** Real path of the lock, checked to be under the roots. */
  lockPath: string;
}

/** Read the schedule file and check every entry; all problems are reported at once. */
export async function loadSchedules(file: string, roots: readonly string[]): Promise<ResolvedSchedule[]> {
  const fail = (problems: string[]): HbuildError =>
    new HbuildError('ERR_USAGE', `schedule file ${file} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`, { details: { problems } });
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) throw fail(['not a readable file']);
  if (info.size > MAX_SCHEDULE_FILE_BYTES) throw fail([`larger than ${MAX_SCHEDULE_FILE_BYTES} bytes`]);
  let data: unknown;
  try {
    data = parseYaml(await readFile(file, 'utf8'), { maxAliasCount: 0, uniqueKeys: true });
  } catch (err) {
    throw fail([`not YAML: ${(err as Error).message}`]);
  }
  const parsed = ScheduleFile.safeParse(data);
  if (!parsed.success) throw fail(parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`));

  const problems: string[] = [];
  const names = new Set<string>();
  const schedules: ResolvedSchedule[] = [];
  for (const [i, schedule] of parsed.data.schedules.entries()) {
    if (names.has(schedule.name)) problems.push(`schedules.${i}.name: ${schedule.name} is used twice`);
    names.add(schedule.name);
    try {
      nextRun(schedule, new Date());
    } catch (err) {
      problems.push(`schedules.${i}.cron: ${(err as Error).message}`);
    }
    const check = await checkLockPath(resolve(dirname(file), schedule.lock), roots);
    if (!check.ok) problems.push(`schedules.${i}.lock: ${check.message}`);
    else schedules.push({ ...schedule, lockPath: check.path });
  }
  if (problems.length > 0) throw fail(problems);
  return schedules;
}

/** The first time after `after` the schedule's cron expression names (UTC unless it has a timezone). */
export function nextRun(schedule: Pick<Schedule, 'cron' | 'timezone'>, after: Date): Date {
  return CronExpressionParser.parse(schedule.cron, { currentDate: after, tz: schedule.timezone ?? 'UTC', strict: false }).next().toDate();
}

export interface Scheduler {
  nextRunOf(name: string): Date | undefined;
  stop(): void;
}

/** Call `fire` for each schedule at its times. Runs missed while the daemon was down are not made up. */
export function startScheduler(schedules: readonly ResolvedSchedule[], fire: (schedule: ResolvedSchedule) => Promise<void>, log: Logger): Scheduler {
  const next = new Map(schedules.map((s) => [s.name, nextRun(s, new Date())]));
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const arm = (): void => {
    if (stopped || next.size === 0) return;
    const soonest = Math.min(...[...next.values()].map((d) => d.getTime()));
    timer = setTimeout(tick, Math.min(MAX_SLEEP_MS, Math.max(0, soonest - Date.now())));
  };
  const tick = (): void => {
    const now = new Date();
    for (const schedule of schedules) {
      if ((next.get(schedule.name)?.getTime() ?? Infinity) > now.getTime()) continue;
      next.set(schedule.name, nextRun(schedule, now));
      fire(schedule).catch((err: unknown) => log.error({ err, schedule: schedule.name }, 'scheduled run not submitted'));
    }
    arm();
  };
  arm();
  return {
    nextRunOf: (name) => next.get(name),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
