import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLock } from '../../src/pipeline/build-lock.js';
import type { HbuildEvent } from '../../src/core/events.js';
import { pino } from 'pino';
import { verifyAttestations } from '../../src/attest/verify.js';
import { installedDistributions, installWheelhouse } from '../helpers/spawn.js';
import { tempDir } from '../helpers/tmp.js';
import { createEngine } from '../../src/engine/index.js';

const EXAMPLE = resolve('examples/lock.yaml');

describe('the shipped example: real sdists from the index', () => {
  it('builds every backend and the C extension from source, reproduces every pinned wheel, and installs the runtime wheels only with --require-hashes --no-index', async () => {
    const dir = await tempDir('example');
    const events: HbuildEvent[] = [];

    const result = await buildLock({
      lockPath: EXAMPLE,
      outDir: join(dir, 'wheelhouse'),
      storeRoot: join(dir, 'store'),
      record: false,
      failFast: false,
      sdistDirs: [],
      recipesDir: resolve('recipes'),
      engine: createEngine(),
      log: pino({ level: 'silent' }),
      emit: (e) => events.push(e),
      signal: new AbortController().signal,
    });
    const venv = join(dir, 'venv');
    await execa('python3', ['-m', 'venv', venv]);
    const baseline = await installedDistributions(venv);
    const install = await installWheelhouse(join(dir, 'wheelhouse'), venv);
    const runtime = (await installedDistributions(venv)).filter((d) => !baseline.includes(d));
    const probe = await execa(join(venv, 'bin', 'python'), ['-c', 'import markupsafe._speedups, idna, certifi, annotated_types, packaging; print(markupsafe._speedups.__file__)']);
    const backends = await execa(join(venv, 'bin', 'python'), ['-c', 'import hatchling'], { reject: false });
    const rebuild = await installWheelhouse(join(dir, 'wheelhouse'), venv, 'build-requirements.txt');
    const everything = (await installedDistributions(venv)).filter((d) => !baseline.includes(d));
    const manifest = JSON.parse(await readFile(join(dir, 'wheelhouse', 'manifest.json'), 'utf8'));
    const attestations = await verifyAttestations(join(dir, 'wheelhouse'));

    expect(result.failures).toEqual([]);
    expect(result.records).toHaveLength(14);
    expect(result.records.every((r) => r.verdict === 'pinned-match' && !r.cached)).toBe(true);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(runtime).toEqual(['annotated-types==0.7.0', 'certifi==2024.12.14', 'idna==3.10', 'markupsafe==3.0.2', 'packaging==24.2']);
    expect(backends.exitCode).not.toBe(0);
    expect(rebuild.exitCode, rebuild.stderr).toBe(0);
    expect(everything).toHaveLength(14);
    expect(probe.stdout).toMatch(/_speedups\.cpython-311-x86_64-linux-gnu\.so$/);
    const markupsafe = manifest.packages.find((p: { name: string }) => p.name === 'markupsafe');
    expect(markupsafe.recipeDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(attestations.problems).toEqual([]);
    expect(attestations.statements).toBeGreaterThanOrEqual(14);
    expect(events.filter((e) => e.type === 'package' && e.stage === 'build' && e.status === 'running')).toHaveLength(14);
  });
});
