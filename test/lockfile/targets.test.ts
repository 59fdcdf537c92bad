import { describe, expect, it } from 'vitest';
import { HbuildError } from '../../src/core/errors.js';
import { planBuild, planSources } from '../../src/lockfile/plan.js';
import { parseLock } from '../../src/lockfile/read.js';
import { lockTargets, pinnedDigests, selectTargets, targetLock } from '../../src/lockfile/targets.js';

const H1 = '1'.repeat(64);
const H2 = 'a'.repeat(64);
const H3 = 'b'.repeat(64);
const ROOTFS = `sha256:${'f'.repeat(64)}`;
const ROOTFS2 = `sha256:${'e'.repeat(64)}`;

const TWO_TARGETS = `version: 1
targets:
  - {name: py311, image: default, rootfs: ${ROOTFS}}
  - {name: py313, image: trixie, rootfs: ${ROOTFS2}}
packages:
  - name: flit-core
    version: 3.9.0
    sdist: {file: flit_core-3.9.0.tar.gz, sha256: ${H1}}
    wheels:
      py311: {file: flit_core-3.9.0-py3-none-any.whl, sha256: ${H2}}
      py313: {file: flit_core-3.9.0-py3-none-any.whl, sha256: ${H2}}
  - name: tomli
    version: 2.0.1
    sdist: {file: tomli-2.0.1.tar.gz, sha256: ${H1}}
    build-requires: [flit-core]
    targets: [py311]
  - name: spam
    version: 1.0
    sdist: {file: spam-1.0.tar.gz, sha256: ${H1}}
    build-requires: {py311: [flit-core, tomli], py313: [flit-core]}
    builder-images:
      py313: {debian-packages: [libzmq3-dev], rootfs: ${ROOTFS}}
    wheels:
      py311: {file: spam-1.0-cp311-cp311-linux_x86_64.whl, sha256: ${H2}}
      py313: {file: spam-1.0-cp313-cp313-linux_x86_64.whl, sha256: ${H3}}
`;

function problemsOf(text: string): Array<{ path: string; message: string }> {
  try {
    parseLock(text, '/locks/lock.yaml');
  } catch (err) {
    if (err instanceof HbuildError && err.code === 'ERR_LOCK_INVALID') return err.details['problems'] as Array<{ path: string; message: string }>;
    throw err;
  }
  throw new Error('expected ERR_LOCK_INVALID');
}

describe('a lock with targets', () => {
  it('reads, and each target sees its packages, build requirements, images and pins in one-target form', () => {
    const loaded = parseLock(TWO_TARGETS, '/locks/lock.yaml');

    const py311 = targetLock(loaded.lock, 'py311');
    const py313 = targetLock(loaded.lock, 'py313');

    expect(lockTargets(loaded.lock).map((t) => t.name)).toEqual(['py311', 'py313']);
    expect(py311.builder).toEqual({ image: 'default', rootfs: ROOTFS });
    expect(py311.packages.map((p) => p.name)).toEqual(['flit-core', 'tomli', 'spam']);
    expect(py311.packages[2]).toMatchObject({ 'build-requires': ['flit-core', 'tomli'], wheel: { sha256: H2 } });
    expect(py311.packages[2]!['builder-image']).toBeUndefined();
    expect(py313.builder).toEqual({ image: 'trixie', rootfs: ROOTFS2 });
    expect(py313.packages.map((p) => p.name)).toEqual(['flit-core', 'spam']);
    expect(py313.packages[1]).toMatchObject({ 'build-requires': ['flit-core'], wheel: { sha256: H3 }, 'builder-image': { rootfs: ROOTFS } });
    expect(py313.packages[1]).not.toHaveProperty('wheels');
  });

  it('plans each target on its own', () => {
    const loaded = parseLock(TWO_TARGETS, '/locks/lock.yaml');

    const plan = planBuild(loaded, ['spam'], 'py313');

    expect(plan.target).toBe('py313');
    expect(plan.builder.image).toBe('trixie');
    expect(plan.packages.map((p) => [p.key, p.wheel?.sha256])).toEqual([['flit-core', H2], ['spam', H3]]);
    expect(planBuild(loaded, ['tomli'], 'py313').packages).toEqual([]);
    expect(() => planBuild(loaded)).toThrow(/planned per target/);
  });

  it('plans every sdist once for the stages that do not depend on the target', () => {
    const loaded = parseLock(TWO_TARGETS, '/locks/lock.yaml');

    const plan = planSources(loaded);

    expect(plan.packages.map((p) => `${p.key} [${p.buildRequires.join(',')}]`)).toEqual(['flit-core []', 'tomli [flit-core]', 'spam [flit-core,tomli]']);
  });

  it('keeps a one-target lock as it is, its target named after its image', () => {
    const text = `version: 1\nbuilder: {image: default, rootfs: ${ROOTFS}}\npackages: []\n`;
    const loaded = parseLock(text, '/locks/lock.yaml');

    expect(lockTargets(loaded.lock)).toEqual([{ name: 'default', image: 'default', rootfs: ROOTFS }]);
    expect(targetLock(loaded.lock, 'default')).toBe(loaded.lock);
    expect(planBuild(loaded).target).toBe('default');
  });

  it('names the targets when --target names none of them', () => {
    const loaded = parseLock(TWO_TARGETS, '/locks/lock.yaml');

    expect(() => selectTargets(loaded.lock, 'py312', loaded.path)).toThrow(expect.objectContaining({ code: 'ERR_USAGE', hint: 'its targets: py311, py313' }));
    expect(selectTargets(loaded.lock, 'py313', loaded.path).map((t) => t.image)).toEqual(['trixie']);
  });

  it('refuses builder: and targets: together, and neither', () => {
    const both = TWO_TARGETS.replace('targets:\n', `builder: {image: default, rootfs: ${ROOTFS}}\ntargets:\n`);
    const neither = `version: 1\npackages: []\n`;

    expect(problemsOf(both)).toContainEqual(expect.objectContaining({ path: 'targets', message: expect.stringMatching(/either builder: .* or targets:/) }));
    expect(problemsOf(neither)).toContainEqual(expect.objectContaining({ path: 'builder', message: expect.stringMatching(/^missing required key/) }));
  });

  it('refuses a single target under targets:, duplicate target names and bad names', () => {
    const one = `version: 1\ntargets:\n  - {name: py311, image: default, rootfs: ${ROOTFS}}\npackages: []\n`;
    const dup = TWO_TARGETS.replace('name: py313,', 'name: py311,');
    const bad = TWO_TARGETS.replace('name: py313,', 'name: Py313,');

    expect(problemsOf(one)).toContainEqual(expect.objectContaining({ path: 'targets', message: expect.stringMatching(/at least two targets: a lock with one target names it under builder:/) }));
    expect(problemsOf(dup)).toContainEqual(expect.objectContaining({ path: 'targets[1].name', message: 'duplicate target "py311"' }));
    expect(problemsOf(bad)).toContainEqual(expect.objectContaining({ path: 'targets[1].name', message: expect.stringMatching(/^expected a target name/) }));
  });

  it('refuses per-target keys that name no target of the package, and one-target keys', () => {
    const text = TWO_TARGETS.replace('    targets: [py311]\n', '    targets: [py311, py312]\n    wheels: {py313: {file: tomli-2.0.1-py3-none-any.whl, sha256: ' + H1 + '}}\n    wheel: {file: tomli-2.0.1-py3-none-any.whl, sha256: ' + H1 + '}\n');

    const problems = problemsOf(text);

    expect(problems).toContainEqual(expect.objectContaining({ path: 'packages[1].targets[1]', message: '"py312" is not a target of this lock (py311, py313)' }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'packages[1].wheels.py313', message: '"py313" is not a target this package is built for (py311)' }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'packages[1].wheel', message: expect.stringMatching(/pins wheels per target: wheels:/) }));
  });

  it('refuses a build requirement that is not built for the target that needs it', () => {
    const text = TWO_TARGETS.replace('py313: [flit-core]}', 'py313: [flit-core, tomli]}');

    expect(problemsOf(text)).toContainEqual(expect.objectContaining({ path: 'packages[2].build-requires.py313[1]', message: '"tomli" is not built for target py313, which spam needs it for' }));
  });

  it('refuses per-target keys in a one-target lock', () => {
    const text = `version: 1
builder: {image: default, rootfs: ${ROOTFS}}
packages:
  - name: spam
    version: 1.0
    sdist: {file: spam-1.0.tar.gz, sha256: ${H1}}
    targets: [py311]
    build-requires: {py311: []}
    wheels: {py311: {file: spam-1.0-py3-none-any.whl, sha256: ${H1}}}
`;

    const problems = problemsOf(text);

    expect(problems).toContainEqual(expect.objectContaining({ path: 'packages[0].targets', message: 'targets: is for a lock with targets:; this lock has one builder:' }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'packages[0].wheels', message: 'wheels: is for a lock with targets:; this lock has one builder:' }));
    expect(problems).toContainEqual(expect.objectContaining({ path: 'packages[0].build-requires', message: expect.stringMatching(/a mapping by target is for a lock with targets:/) }));
  });
});

describe('pinnedDigests (store gc --keep)', () => {
  it("keeps every sdist and every target's wheel of a lock with targets", () => {
    const { lock } = parseLock(TWO_TARGETS, '/x/lock.yaml');
    expect([...pinnedDigests(lock)].sort()).toEqual([H1, H2, H3]);
  });
});
