import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSchedules, nextRun } from '../../src/daemon/schedules.js';
import { useTempDir } from '../helpers/tmp.js';

describe('daemon schedules', () => {
  const tmp = useTempDir('schedules', { per: 'suite' });

  beforeAll(async () => {
    await mkdir(join(tmp.path, 'proj'));
    await writeFile(join(tmp.path, 'proj', 'lock.yaml'), 'x');
  });

  it('computes the next run in UTC, or in the schedule\'s timezone', () => {
    const after = new Date('2026-03-01T12:34:56Z');

    expect(nextRun({ cron: '0 3 * * *' }, after).toISOString()).toBe('2026-03-02T03:00:00.000Z');
    expect(nextRun({ cron: '*/10 * * * * *' }, after).toISOString()).toBe('2026-03-01T12:35:00.000Z');
    expect(nextRun({ cron: '0 3 * * *', timezone: 'Europe/Berlin' }, after).toISOString()).toBe('2026-03-02T02:00:00.000Z');
  });

  it('reads schedules with locks relative to the file, defaulting to verify runs', async () => {
    const file = join(tmp.path, 'schedules.yaml');
    await writeFile(file, 'version: 1\nschedules:\n  - name: nightly\n    lock: proj/lock.yaml\n    cron: "0 3 * * *"\n');

    const schedules = await loadSchedules(file, [tmp.path]);

    expect(schedules).toEqual([{ name: 'nightly', lock: 'proj/lock.yaml', lockPath: join(tmp.path, 'proj', 'lock.yaml'), cron: '0 3 * * *', kind: 'verify', options: {} }]);
  });

  it('reports every problem of a schedule file at once', async () => {
    const file = join(tmp.path, 'bad.yaml');
    await writeFile(file, 'schedules:\n  - name: a\n    lock: /etc/hostname\n    cron: "not a cron"\n  - name: a\n    lock: proj/lock.yaml\n    cron: "0 3 * * *"\n');

    const attempt = loadSchedules(file, [tmp.path]);

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_USAGE' });
    const message = await attempt.catch((err: Error) => err.message);
    expect(message).toMatch(/schedules\.0\.cron: /);
    expect(message).toContain("schedules.0.lock: lock file /etc/hostname is outside the daemon's roots");
    expect(message).toContain('schedules.1.name: a is used twice');
  });

  it('refuses YAML aliases, unknown keys and files that are not schedules', async () => {
    const aliases = join(tmp.path, 'aliases.yaml');
    await writeFile(aliases, 'x: &a [1]\nschedules: *a\n');
    const unknown = join(tmp.path, 'unknown.yaml');
    await writeFile(unknown, 'schedules: []\nrun: rm -rf /\n');

    await expect(loadSchedules(aliases, [tmp.path])).rejects.toThrow(/invalid/);
    await expect(loadSchedules(unknown, [tmp.path])).rejects.toThrow(/Unrecognized key: "run"/);
    await expect(loadSchedules(join(tmp.path, 'none.yaml'), [tmp.path])).rejects.toThrow(/not a readable file/);
  });
});
