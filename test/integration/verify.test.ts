import type Docker from 'dockerode';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HbuildEvent } from '../../src/core/events.js';
import { VARIATION_NAMES } from '../../src/verify/variations.js';
import { verifyLock, type VerifyLockOptions } from '../../src/pipeline/verify-lock.js';
import { sha256File } from '../../src/core/digest.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { tempDir } from '../helpers/tmp.js';
import { buildInDir, builderRootfs, engine, leftoverContainers } from './harness.js';
import { createEngine } from '../../src/engine/index.js';

const UMASK_HOOK = `
import os, tempfile
path = os.path.join(tempfile.mkdtemp(), "made-by-build.txt")
with open(path, "w") as f:
    f.write("the same bytes every time\\n")
report_file("umask", path)
`;

const RANDOM_HOOK = `
import os
report("random", "<script>document.title='pwned'</script>\\n" + os.urandom(16).hex() + "\\n")
`;

async function verifyInDir(dir: string, lockText: string | null, options: Partial<VerifyLockOptions> = {}) {
  const lockPath = join(dir, 'lock.yaml');
  if (lockText !== null) await writeFile(lockPath, lockText);
  const events: HbuildEvent[] = [];
  const result = await verifyLock({
    lockPath,
    storeRoot: join(dir, 'store'),
    sdistDirs: [],
    engine: createEngine(),
    jobs: 2,
    log: pino({ level: 'silent' }),
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    ...options,
  });
  return { result, events };
}

function startedBuilds(events: HbuildEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'package' && e.stage === 'build' && e.status === 'running' ? [`${e.name}:${e.message}`] : []));
}

describe('hbuild verify against the real engine', () => {
  let docker: Docker;
  let rootfs: string;

  beforeAll(async () => {
    docker = await engine();
    rootfs = await builderRootfs(docker);
  });

  it('vets like a build: a blocked source is not rebuilt, its dependents are inconclusive, and no container is left', async () => {
    const dir = await tempDir('verify-vet');
    const files = { 'fx_vvet/__init__.py': 'x = 1\n', 'fx_vvet-init.pth': 'import os; os.system("echo pwned")\n' };
    const blocked = await writeFixtureSdist(dir, { name: 'fx-vvet', version: '1.0', files });
    const dependent = await writeFixtureSdist(dir, { name: 'fx-vvet-dep', version: '1.0' });

    const { result, events } = await verifyInDir(dir, fixtureLock(rootfs, [blocked, { ...dependent, buildRequires: ['fx-vvet'] }]), { variations: 'umask' });

    expect(result.packages.map((p) => [p.name, p.status])).toEqual([['fx-vvet', 'failed'], ['fx-vvet-dep', 'inconclusive']]);
    expect(result.packages[0]?.reason).toMatch(/vetting blocked fx-vvet 1\.0:\n {2}HB\d+ src\/fx_vvet-init\.pth:1/);
    expect(result.packages[1]?.reason).toContain('its build requirement fx-vvet has no usable wheel');
    expect(startedBuilds(events)).toEqual([]);
    expect(await leftoverContainers(docker, 'fx-vvet==1.0')).toEqual([]);
  });

  it('passes deterministic packages under every variation, building each twice and a dependent with its requirement\'s pinned wheel', async () => {
    const dir = await tempDir('verify-ok');
    const dep = await writeFixtureSdist(dir, { name: 'fx-vdep', version: '1.0' });
    const app = await writeFixtureSdist(dir, { name: 'fx-vapp', version: '1.0', requires: ['fx-vdep'], hook: 'import fx_vdep\nreport("dep", fx_vdep.VERSION)\n' });
    await buildInDir(dir, fixtureLock(rootfs, [{ ...app, buildRequires: ['fx-vdep'] }, dep]), { record: true });
    const pinnedLock = await readFile(join(dir, 'lock.yaml'), 'utf8');

    const { result, events } = await verifyInDir(dir, null, { storeRoot: join(dir, 'verify-store') });

    expect(result.outcome).toBe('reproducible');
    expect(result.variations).toEqual([...VARIATION_NAMES]);
    expect(result.packages.map((p) => [p.name, p.status, p.pin, p.reproducible])).toEqual([
      ['fx-vdep', 'identical', 'match', true],
      ['fx-vapp', 'identical', 'match', true],
    ]);
    expect(startedBuilds(events).sort()).toEqual(['fx-vapp:control', 'fx-vapp:variations', 'fx-vdep:control', 'fx-vdep:variations']);
    expect(result.packages.every((p) => p.builds.every((b) => b.wheel?.sha256 === p.pinned?.sha256))).toBe(true);
    expect(await readFile(join(dir, 'lock.yaml'), 'utf8')).toBe(pinnedLock);
    expect(await readdir(join(dir, 'verify-store', 'actions'))).toEqual([]);
    expect(JSON.parse(await readFile(result.historyPath, 'utf8'))).toMatchObject({ outcome: 'reproducible', packages: [{ name: 'fx-vdep', status: 'identical' }, { name: 'fx-vapp', status: 'identical' }] });
    expect(result.historyPath).toMatch(/verify-store\/verify\/\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f]{16}\.json$/);
    expect(await readdir(join(result.reportDir, 'packages'))).toEqual(['fx-vapp-1.0.json', 'fx-vdep-1.0.json']);
    expect((await stat(join(result.reportDir, 'index.html'))).size).toBeGreaterThan(1000);
    expect(await leftoverContainers(docker, 'fx-vapp==1.0')).toEqual([]);
  });

  it('flags a build that embeds random data as not deterministic, naming the exact differing file and keeping both wheels', async () => {
    const dir = await tempDir('verify-random');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-vrandom', version: '1.0', hook: RANDOM_HOOK });

    const { result, events } = await verifyInDir(dir, fixtureLock(rootfs, [sdist]));

    const pkg = result.packages[0];
    expect(result.outcome).toBe('not-reproducible');
    expect(pkg).toMatchObject({ status: 'differed', reproducible: false, nondeterministic: true, culprits: [], pin: 'unpinned' });
    expect(pkg?.diff?.classification).toBe('content');
    expect(pkg?.diff?.differingFiles).toEqual(['fx_vrandom/_probe/random.txt']);
    expect(pkg?.diff?.details.find((d) => d.entry.endsWith('.dist-info/RECORD'))?.derived).toBe(true);
    const random = pkg?.diff?.details.find((d) => d.entry === 'fx_vrandom/_probe/random.txt');
    expect(random?.type).toBe('text');
    expect(random?.textDiff?.filter((l) => l.startsWith('-') || l.startsWith('+'))).toHaveLength(2);
    expect(startedBuilds(events).sort()).toEqual(['fx-vrandom:control', 'fx-vrandom:control-repeat', 'fx-vrandom:variations']);
    for (const build of pkg?.builds.slice(0, 2) ?? []) {
      expect(await sha256File(join(result.reportDir, build.kept?.wheel ?? 'missing'))).toBe(build.wheel?.sha256);
      expect((await stat(join(result.reportDir, build.kept?.log ?? 'missing'))).size).toBeGreaterThan(0);
    }
    const perPackage = JSON.parse(await readFile(join(result.reportDir, 'packages', 'fx-vrandom-1.0.json'), 'utf8'));
    expect(perPackage.package.diff.differingFiles).toEqual(['fx_vrandom/_probe/random.txt']);
  });

  it('flags a wheel whose file mode follows the umask, with a mode difference and umask as the culprit', async () => {
    const dir = await tempDir('verify-umask');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-vumask', version: '1.0', hook: UMASK_HOOK });

    const { result, events } = await verifyInDir(dir, fixtureLock(rootfs, [sdist]));

    const pkg = result.packages[0];
    expect(result.outcome).toBe('not-reproducible');
    expect(pkg).toMatchObject({ status: 'differed', reproducible: false, culprits: ['umask'] });
    expect(pkg?.nondeterministic).toBeUndefined();
    expect(pkg?.diff?.classification).toBe('archive-metadata-only');
    expect(pkg?.diff?.differingFiles).toEqual([]);
    expect(pkg?.diff?.differences).toEqual([{ entry: 'fx_vumask/_probe/umask.txt', kind: 'mode', class: 'archive-metadata', left: '0o100644', right: '0o100664' }]);
    expect(startedBuilds(events)).toHaveLength(3 + VARIATION_NAMES.length);
    const onlyUmask = pkg?.builds.find((b) => b.label === 'only-umask');
    expect(onlyUmask?.differs).toEqual({ classification: 'archive-metadata-only', files: [], kinds: ['mode'] });
    expect(pkg?.builds.filter((b) => b.label.startsWith('only-') && b.differs === undefined)).toHaveLength(VARIATION_NAMES.length - 1);
  });
});
