import { describe, expect, it } from 'vitest';
import { packageHistory } from '../../src/verify/regressions.js';
import type { HistoryRecord } from '../../src/verify/schema.js';

const SDIST = 'd'.repeat(64);
const PKG = { name: 'Fx_Pkg', version: '1.0', sdistSha256: SDIST };

function run(day: string, status: 'identical' | 'differed' | 'failed', sdistSha256 = SDIST): HistoryRecord {
  return {
    format: 'hbuild-verify-history/1',
    startedAt: `${day}T03:00:00.000Z`,
    finishedAt: `${day}T03:10:00.000Z`,
    lock: { path: '/lock.yaml', sha256: 'e'.repeat(64) },
    variations: ['umask'],
    outcome: status === 'identical' ? 'reproducible' : 'not-reproducible',
    reportDir: '/r',
    packages: [{ name: 'fx-pkg', version: '1.0', sdistSha256, status, reproducible: status === 'identical', pin: 'match', culprits: [] }],
  };
}

const NOW = '2026-11-23T03:00:00.000Z';

describe('packageHistory', () => {
  it('reports a regression with the day it was last reproducible and the day it started to differ', () => {
    const history = packageHistory([run('2026-11-19', 'identical'), run('2026-11-20', 'identical'), run('2026-11-21', 'differed'), run('2026-11-22', 'failed')], PKG, { status: 'differed', startedAt: NOW });

    expect(history).toEqual({ state: 'still-differs', lastIdentical: '2026-11-20T03:00:00.000Z', differsSince: '2026-11-21T03:00:00.000Z', message: 'reproducible on 2026-11-20, differs since 2026-11-21' });
  });

  it('calls a first difference after identical runs a fresh regression', () => {
    const history = packageHistory([run('2026-11-20', 'identical')], PKG, { status: 'differed', startedAt: NOW });

    expect(history.state).toBe('regressed');
    expect(history.message).toBe('reproducible on 2026-11-20, differs since 2026-11-23');
  });

  it('notices a fix, and a streak of reproducible runs', () => {
    const fixed = packageHistory([run('2026-11-20', 'identical'), run('2026-11-21', 'differed')], PKG, { status: 'identical', startedAt: NOW });
    const stable = packageHistory([run('2026-11-20', 'differed'), run('2026-11-21', 'identical'), run('2026-11-22', 'identical')], PKG, { status: 'identical', startedAt: NOW });

    expect(fixed).toEqual({ state: 'fixed', message: 'reproducible again; differed on 2026-11-21' });
    expect(stable).toEqual({ state: 'stable', message: 'reproducible since 2026-11-21' });
  });

  it('keeps each target of a lock with several apart', () => {
    const both = run('2026-11-20', 'identical');
    both.packages = [{ ...both.packages[0]!, target: 'py311' }, { ...both.packages[0]!, target: 'py313', status: 'differed', reproducible: false }];

    const py311 = packageHistory([both], { ...PKG, target: 'py311' }, { status: 'differed', startedAt: NOW });
    const py313 = packageHistory([both], { ...PKG, target: 'py313' }, { status: 'differed', startedAt: NOW });

    expect(py311.state).toBe('regressed');
    expect(py313.state).toBe('never-reproducible');
  });

  it('ignores other pins of the same project and runs that did not judge it', () => {
    const history = packageHistory([run('2026-11-20', 'identical', 'f'.repeat(64)), run('2026-11-21', 'failed')], PKG, { status: 'differed', startedAt: NOW });

    expect(history).toEqual({ state: 'first', message: 'first verification: differs' });
  });

  it('says how long a package has never been reproducible', () => {
    const history = packageHistory([run('2026-11-20', 'differed'), run('2026-11-21', 'differed')], PKG, { status: 'differed', startedAt: NOW });

    expect(history).toEqual({ state: 'never-reproducible', message: 'never reproducible in 3 verification runs since 2026-11-20' });
  });

  it('remembers the last reproducible day when this run could not judge the package', () => {
    const history = packageHistory([run('2026-11-20', 'identical')], PKG, { status: 'failed', startedAt: NOW });

    expect(history).toEqual({ state: 'stable', lastIdentical: '2026-11-20T03:00:00.000Z', message: 'not judged this time; last reproducible on 2026-11-20' });
  });
});
