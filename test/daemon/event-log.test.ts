import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HbuildEvent } from '../../src/core/events.js';
import { openEventLog } from '../../src/daemon/event-log.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('event-log');

describe("a job's event log", () => {
  it('keeps and replays the waiting, cancelled and not-reproducible events as they were sent', async () => {
    const path = join(tmp.path, 'events.ndjson');
    const log = await openEventLog(path);
    const events: HbuildEvent[] = [
      { type: 'run', status: 'start', kind: 'build', packages: 2, jobs: 1 },
      { type: 'package', name: 'app', version: '1.0', stage: 'build', status: 'waiting', waitingFor: ['setuptools', 'wheel'] },
      { type: 'package', name: 'app', version: '1.0', stage: 'build', status: 'cancelled', message: 'build cancelled' },
      { type: 'package', name: 'lib', version: '1.0', stage: 'check', status: 'not-reproducible', message: 'not reproducible: umask' },
      { type: 'run', status: 'cancelled', kind: 'build', ok: 0, failed: 0, cached: 0, cancelled: 2, seconds: 1.5 },
    ];

    for (const event of events) log.append(event);
    const replayed: string[] = [];
    log.follow({ line: (l) => replayed.push(l), end: () => undefined });
    await log.close();

    expect(replayed.map((l) => JSON.parse(l))).toEqual(events);
    expect((await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l))).toEqual(events);
  });
});
