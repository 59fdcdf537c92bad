import type Docker from 'dockerode';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { connectDocker } from '../../src/engine/connect.js';
import { CONTAINER_LABEL } from '../../src/engine/index.js';
import type { HbuildEvent } from '../../src/core/events.js';
import { buildLock, type BuildLockOptions, type BuildLockResult } from '../../src/pipeline/build-lock.js';
import { createEngine } from '../../src/engine/index.js';

/** The engine every integration test uses; an unreachable engine fails the test, it never skips. */
export async function engine(): Promise<Docker> {
  return connectDocker();
}

/** A builder image's rootfs digest (default: the default image, as `scripts/setup.sh` loaded it). */
export async function builderRootfs(docker: Docker, image = 'default'): Promise<string> {
  const images = await docker.listImages({ filters: { label: [`org.hbuild.image=${image}`] } });
  const first = images[0];
  if (!first) throw new Error(`no ${image} builder image loaded: run \`bash scripts/setup.sh\` first (or \`hbuild image build ${image}\`)`);
  const info = await docker.getImage(first.Id).inspect();
  const layer = info.RootFS.Layers?.[0];
  if (!layer) throw new Error('builder image has no layer');
  return layer;
}

/**
 * Options of a build of `dir/lock.yaml` into `dir/wheelhouse` with the store `dir/store`,
 * offline: every sdist is in the store since the lock, so the index is an unused loopback port.
 */
export function offlineBuildOptions(dir: string, overrides: Partial<BuildLockOptions> = {}): BuildLockOptions {
  return {
    lockPath: join(dir, 'lock.yaml'),
    outDir: join(dir, 'wheelhouse'),
    storeRoot: join(dir, 'store'),
    indexUrl: 'http://127.0.0.1:9/simple/',
    record: false,
    failFast: false,
    sdistDirs: [],
    engine: createEngine(),
    log: pino({ level: 'silent' }),
    emit: () => undefined,
    signal: new AbortController().signal,
    ...overrides,
  };
}

export interface BuildRun extends BuildLockResult {
  events: HbuildEvent[];
}

/** Run the real build pipeline in-process on a lock text written into `dir`. */
export async function buildInDir(dir: string, lockText: string, options: Partial<BuildLockOptions> = {}): Promise<BuildRun> {
  const lockPath = join(dir, 'lock.yaml');
  await writeFile(lockPath, lockText);
  const events: HbuildEvent[] = [];
  const result = await buildLock({
    lockPath,
    outDir: join(dir, 'wheelhouse'),
    storeRoot: join(dir, 'store'),
    record: false,
    failFast: false,
    sdistDirs: [],
    engine: createEngine(),
    log: pino({ level: 'silent' }),
    emit: (e) => events.push(e),
    signal: new AbortController().signal,
    ...options,
  });
  return { ...result, events };
}

/** hbuild containers still present for one package (`name==version`), running or not. */
export async function leftoverContainers(docker: Docker, pkg: string): Promise<string[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [CONTAINER_LABEL, `org.hbuild.package=${pkg}`] } });
  return list.map((c) => c.Id);
}
