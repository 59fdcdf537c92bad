import type Docker from 'dockerode';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HbuildEvent } from '../../src/core/events.js';
import { fixtureLock, writeFixtureSdist, type FixtureSdist } from '../fixtures/pkg.js';
import { hbuild, jsonLines, untilStdout } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { buildInDir, builderRootfs, engine, leftoverContainers } from './harness.js';

/** Names of the packages that really ran a container in a run. */
function built(events: HbuildEvent[]): string[] {
  return events.filter((e) => e.type === 'package' && e.stage === 'build' && e.status === 'running').map((e) => (e as { name: string }).name).sort();
}

describe('the action cache and the shared store', () => {
  let docker: Docker;
  let rootfs: string;

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
  });

  it('rebuilds exactly what an input change touches, and nothing on a repeat run', async () => {
    const dir = await tempDir('cache');
    const dep = await writeFixtureSdist(dir, { name: 'fx-c-dep', version: '1.0' });
    const app = await writeFixtureSdist(dir, { name: 'fx-c-app', version: '1.0', requires: ['fx-c-dep'] });
    const other = await writeFixtureSdist(dir, { name: 'fx-c-other', version: '1.0' });
    const lock = (d: FixtureSdist, epoch = 1700000000): string =>
      fixtureLock(rootfs, [d, { ...app, buildRequires: ['fx-c-dep'] }, other]).replace('source-date-epoch: 1700000000', `source-date-epoch: ${epoch}`);

    const first = await buildInDir(dir, lock(dep), { record: true });
    const repeat = await buildInDir(dir, await readFile(join(dir, 'lock.yaml'), 'utf8'));
    const dep2 = await writeFixtureSdist(dir, { name: 'fx-c-dep', version: '1.0', files: { 'fx_c_dep/__init__.py': 'VERSION = "changed"\n' } });
    const depChanged = await buildInDir(dir, lock(dep2), { record: true });
    await mkdir(join(dir, 'recipes'));
    await writeFile(join(dir, 'recipes', 'fx-c-other.yaml'), 'env:\n  FX_FEATURE: "1"\n');
    const recipeAdded = await buildInDir(dir, lock(dep2), { record: true });
    const epochChanged = await buildInDir(dir, lock(dep2, 1700000001), { record: true });

    expect(built(first.events)).toEqual(['fx-c-app', 'fx-c-dep', 'fx-c-other']);
    expect(repeat.failures).toEqual([]);
    expect(built(repeat.events)).toEqual([]);
    expect(built(depChanged.events)).toEqual(['fx-c-app', 'fx-c-dep']);
    expect(built(recipeAdded.events)).toEqual(['fx-c-other']);
    expect(recipeAdded.records.find((r) => r.name === 'fx-c-other')?.recipeDigest).toMatch(/^sha256:/);
    expect(built(epochChanged.events)).toEqual(['fx-c-app', 'fx-c-dep', 'fx-c-other']);
  });

  it('detects a tampered wheel in the store, rebuilds it and never publishes the tampered bytes', async () => {
    const dir = await tempDir('tamper');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-tamper', version: '1.0' });
    const first = await buildInDir(dir, fixtureLock(rootfs, [sdist]), { record: true });
    const wheel = first.records[0]?.wheel;
    const blob = join(dir, 'store', 'wheels', 'sha256', wheel?.sha256.slice(0, 2) ?? '', wheel?.sha256 ?? '');
    await chmod(blob, 0o644);
    await writeFile(blob, 'not the wheel');

    const second = await buildInDir(dir, await readFile(join(dir, 'lock.yaml'), 'utf8'));
    const published = await readFile(join(dir, 'wheelhouse', wheel?.file ?? ''));

    expect(second.failures).toEqual([]);
    expect(built(second.events)).toEqual(['fx-tamper']);
    expect(second.events.some((e) => e.type === 'log' && e.message.includes('corrupt'))).toBe(true);
    expect(published.toString()).not.toBe('not the wheel');
    expect(second.records[0]?.wheel.sha256).toBe(wheel?.sha256);
  });

  it('two processes on one store build each package once, and both succeed', async () => {
    const dir = await tempDir('shared');
    const slow = 'import time\ntime.sleep(2)\n';
    const sdists = await Promise.all(['fx-s-a', 'fx-s-b', 'fx-s-c'].map((name) => writeFixtureSdist(dir, { name, version: '1.0', hook: slow })));
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, sdists));
    const run = (out: string) => hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--out', join(dir, out), '--record', '--json']);

    const [a, b] = await Promise.all([run('wh-a'), run('wh-b')]);
    const events = [a, b].flatMap((r) => jsonLines<HbuildEvent>(r.stdout));

    expect([a.exitCode, b.exitCode]).toEqual([0, 0]);
    expect(built(events)).toEqual(['fx-s-a', 'fx-s-b', 'fx-s-c']);
    expect(await readFile(join(dir, 'wh-a', 'SHA256SUMS'), 'utf8')).toBe(await readFile(join(dir, 'wh-b', 'SHA256SUMS'), 'utf8'));
  });

  it('a container whose hbuild stopped (frozen, then killed) stops by itself within its wall-clock limit plus a few seconds', async () => {
    const dir = await tempDir('orphan-deadline');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-orphan', version: '1.0', hook: 'import time\ntime.sleep(600)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const limitSeconds = 6;
    const victim = hbuild(['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--out', join(dir, 'wh'), '--record', '--json', '--timeout', String(limitSeconds)]);
    await untilStdout(victim, '"status":"running"');
    // Frozen between create and start, the container would never run: wait for it to be running.
    await waitFor(async () => {
      const [running] = await leftoverContainers(docker, 'fx-orphan==1.0');
      return running !== undefined && (await docker.getContainer(running).inspect()).State.Running;
    });
    const started = Date.now();

    // Frozen, hbuild enforces nothing, as if it were dead; alive, its container is no leftover
    // that another test's hbuild would sweep while this one watches it.
    victim.kill('SIGSTOP');
    const [id] = await leftoverContainers(docker, 'fx-orphan==1.0');
    const container = docker.getContainer(id!);
    const runningAfterFreeze = (await container.inspect()).State.Running;
    await waitFor(async () => !(await container.inspect()).State.Running, (limitSeconds + 15) * 1000);
    const stoppedAfter = (Date.now() - started) / 1000;
    const exitCode = (await container.inspect()).State.ExitCode;
    victim.kill('SIGKILL');
    await victim;

    expect(runningAfterFreeze).toBe(true);
    expect(stoppedAfter).toBeLessThan(limitSeconds + 10);
    expect(exitCode).toBe(137);
    // A command that starts no container still sweeps what the dead run left.
    const vet = await hbuild(['vet', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--min-age', '0']);
    expect(vet.exitCode).toBe(0);
    expect(await leftoverContainers(docker, 'fx-orphan==1.0')).toEqual([]);
  });

  it('after kill -9 mid-build, the next run takes over the stale lock, removes the orphaned container and succeeds', async () => {
    const dir = await tempDir('crash');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-crash', version: '1.0', hook: 'import time\ntime.sleep(3)\n' });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const args = ['build', join(dir, 'lock.yaml'), '--store', join(dir, 'store'), '--out', join(dir, 'wh'), '--record', '--json'];
    const victim = hbuild(args);
    await untilStdout(victim, '"status":"running"');
    await waitFor(async () => (await leftoverContainers(docker, 'fx-crash==1.0')).length > 0);

    victim.kill('SIGKILL');
    await victim;
    const orphaned = await leftoverContainers(docker, 'fx-crash==1.0');
    const next = await hbuild(args);

    expect(orphaned).toHaveLength(1);
    expect(next.exitCode).toBe(0);
    expect(await leftoverContainers(docker, 'fx-crash==1.0')).toEqual([]);
  });
});
