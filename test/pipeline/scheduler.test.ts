import { describe, expect, it } from 'vitest';
import { HbuildError } from '../../src/core/errors.js';
import type { HbuildEvent } from '../../src/core/events.js';
import type { Plan, PlannedPackage } from '../../src/lockfile/plan.js';
import { requireAll, schedule, type PackageTask } from '../../src/pipeline/scheduler.js';

function planOf(edges: Record<string, string[]>): Plan {
  const packages: PlannedPackage[] = Object.entries(edges).map(([name, buildRequires]) => ({
    name,
    key: name,
    version: '1.0',
    sdist: { file: `${name}-1.0.tar.gz`, sha256: '0'.repeat(64) },
    buildRequires,
  }));
  return { lockPath: 'lock.yaml', target: 'default', builder: { image: 'default', rootfs: `sha256:${'0'.repeat(64)}` }, sourceDateEpoch: 0, packages };
}

/** A task whose work is recorded, with named packages failing at prepare or act. */
function recordingTask(fail: { prepare?: string[]; act?: string[] } = {}): { task: PackageTask<string, string, string>; log: string[] } {
  const log: string[] = [];
  const task: PackageTask<string, string, string> = {
    async prepare(pkg) {
      if (fail.prepare?.includes(pkg.name)) throw new HbuildError('ERR_FETCH', `cannot fetch ${pkg.name}`);
      return pkg.name;
    },
    async act(pkg, prepared, requirements, context) {
      const deps = requireAll(requirements);
      return context.slots.run(async () => {
        log.push(`${prepared}(${deps.join(',')})`);
        if (fail.act?.includes(pkg.name)) throw new HbuildError('ERR_BUILD_FAILED', `${pkg.name} failed`);
        return `${pkg.name}-wheel`;
      });
    },
    offer: (result) => result,
  };
  return { task, log };
}

describe('schedule', () => {
  it('runs each package after its build requirements and hands it their offers', async () => {
    const { task, log } = recordingTask();

    const outcomes = await schedule(planOf({ backend: [], lib: ['backend'], app: ['lib', 'backend'] }), task, { jobs: 2, failFast: false, signal: new AbortController().signal });

    expect(log).toEqual(['backend()', 'lib(backend-wheel)', 'app(lib-wheel,backend-wheel)']);
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
  });

  it('gives a free slot to the ready package on the longest chain of estimated costs, not the first in plan order', async () => {
    const { task, log } = recordingTask();
    const plan = planOf({ backend: [], aaa: ['backend'], bbb: ['backend'], slowlib: ['backend'], app: ['slowlib'] });
    // slowlib compiles (a platform wheel pin) and app waits for it: of the three ready after backend, it goes first.
    plan.packages[3]!.wheel = { file: 'slowlib-1.0-cp311-cp311-linux_x86_64.whl', sha256: '1'.repeat(64) };

    await schedule(plan, task, { jobs: 1, failFast: false, signal: new AbortController().signal });

    expect(log).toEqual(['backend()', 'slowlib(backend-wheel)', 'aaa(backend-wheel)', 'bbb(backend-wheel)', 'app(slowlib-wheel)']);
  });

  it('skips the dependents of a failure with ERR_DEPENDENCY_FAILED, and finishes independent branches', async () => {
    const { task, log } = recordingTask({ act: ['backend'] });

    const outcomes = await schedule(planOf({ backend: [], lib: ['backend'], other: [] }), task, { jobs: 1, failFast: false, signal: new AbortController().signal });

    const codes = outcomes.map((o) => (o.ok ? 'ok' : o.failure.error.code));
    expect(codes).toEqual(['ERR_BUILD_FAILED', 'ERR_DEPENDENCY_FAILED', 'ok']);
    expect(log).toContain('other()');
    expect(outcomes[1]).toMatchObject({ ok: false, failure: { stage: 'build', error: { message: 'not built: its build requirement backend failed' } } });
  });

  it('names the stage a failure happened in', async () => {
    const { task } = recordingTask({ prepare: ['a'] });

    const [outcome] = await schedule(planOf({ a: [] }), task, { jobs: 1, failFast: false, signal: new AbortController().signal });

    expect(outcome).toMatchObject({ ok: false, failure: { stage: 'fetch', error: { code: 'ERR_FETCH' } } });
  });

  it('with fail-fast, or after a fatal error, cancels the rest', async () => {
    const { task } = recordingTask({ act: ['a'] });
    const plan = planOf({ a: [], b: [], c: [] });

    const fast = await schedule(plan, task, { jobs: 1, failFast: true, signal: new AbortController().signal });
    const fatal = await schedule(plan, task, { jobs: 1, failFast: false, signal: new AbortController().signal, fatal: (e) => e.code === 'ERR_BUILD_FAILED' });

    for (const outcomes of [fast, fatal]) {
      expect(outcomes.map((o) => (o.ok ? 'ok' : o.failure.error.code))).toEqual(['ERR_BUILD_FAILED', 'ERR_CANCELLED', 'ERR_CANCELLED']);
    }
  });

  it('lets a package offer its dependents a value before its own work ends', async () => {
    let releaseA!: () => void;
    const aDone = new Promise<void>((resolve) => (releaseA = resolve));
    const seen: string[] = [];
    const task: PackageTask<null, string, string> = {
      prepare: async () => null,
      async act(pkg, _prepared, requirements, context) {
        if (pkg.name === 'a') {
          context.provide('early');
          await aDone;
          return 'late';
        }
        seen.push(...requirements.map((r) => (r.ok ? r.value : r.reason)));
        releaseA();
        return 'b';
      },
      offer: (result) => result,
    };

    await schedule(planOf({ a: [], b: ['a'] }), task, { jobs: 2, failFast: false, signal: new AbortController().signal });

    expect(seen).toEqual(['early']);
  });
  it('tells who waits for which build requirements, as they settle, and when the wait is over', async () => {
    const { task } = recordingTask();
    const events: HbuildEvent[] = [];

    await schedule(planOf({ backend: [], lib: ['backend'], app: ['backend', 'lib'] }), task, { jobs: 1, failFast: false, signal: new AbortController().signal, emit: (e) => events.push(e) });

    const told = events.map((e) => (e.type === 'package' ? `${e.name} ${e.status}${e.waitingFor ? ` ${e.waitingFor.join(',')}` : ''}` : e.type));
    expect(told).toEqual(['lib waiting backend', 'app waiting backend,lib', 'app waiting lib', 'lib queued', 'app queued']);
    expect(events[0]).toEqual({ type: 'package', name: 'lib', version: '1.0', stage: 'build', status: 'waiting', waitingFor: ['backend'] });
  });

  it('cancels, rather than fails, the dependents of a cancelled package', async () => {
    const controller = new AbortController();
    const task: PackageTask<null, string, string> = {
      prepare: async () => null,
      async act(pkg, _prepared, requirements) {
        requireAll(requirements);
        if (pkg.name === 'a') controller.abort();
        controller.signal.throwIfAborted();
        return pkg.name;
      },
      offer: (result) => result,
    };

    const outcomes = await schedule(planOf({ a: [], b: ['a'] }), task, { jobs: 2, failFast: false, signal: controller.signal });

    expect(outcomes.map((o) => (o.ok ? 'ok' : o.failure.error.code))).toEqual(['ERR_CANCELLED', 'ERR_CANCELLED']);
    expect(outcomes[1]).toMatchObject({ failure: { error: { message: 'cancelled before its build requirement a was built' } } });
  });
});
