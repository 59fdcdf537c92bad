import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { HbuildError } from '../core/errors.js';
import type { ContainerLimits } from './container-limits.js';
import { ownerLabels } from './labels.js';
import { LogSink } from './log-sink.js';
import { DEFAULT_RUNTIME, type Runtime } from './runtime.js';

export interface ContainerSpec {
  imageId: string;
  cmd: string[];
  env: Record<string, string>;
  limits: ContainerLimits;
  /** Tar streams copied to /build before start, in order. */
  inputs: Array<() => Readable>;
  logPath: string;
  labels?: Record<string, string>;
  /** Only the isolation tests' control run passes 'host'; builds are always 'none'. */
  networkMode?: 'none' | 'host';
  user?: string;
  hostname?: string;
  /** NIS domain name (standard: `invalid`). */
  domainname?: string;
  /** CPUs the build may run on (`0`, `0-1`); standard: every CPU, bounded by `limits.cpus`. */
  cpuset?: string;
}

export interface ContainerOutcome<T> {
  output: T;
  logDroppedBytes: number;
  seconds: number;
}

/**
 * Run one command in a fresh, locked-down container under `runtime` and hand the tar of
 * /build/out to `takeOutput`. The container and its scratch volume are removed
 * on every path: success, failure, timeout and abort.
 */
export async function runInContainer<T>(
  docker: Docker,
  spec: ContainerSpec,
  takeOutput: (tar: Readable) => Promise<T>,
  signal: AbortSignal,
  runtime: Runtime = DEFAULT_RUNTIME,
): Promise<ContainerOutcome<T>> {
  signal.throwIfAborted();
  const started = performance.now();
  const container = await docker.createContainer(createOptions(spec, runtime));
  const sink = new LogSink(spec.logPath, spec.limits.logBytes);
  let sinkClosed = false;
  try {
    for (const input of spec.inputs) {
      await container.putArchive(input(), { path: '/build' });
    }
    const stream = await container.attach({ stream: true, stdout: true, stderr: true, logs: false });
    const streamEnded = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    docker.modem.demuxStream(stream, sink.writable(), sink.writable());
    await container.start();
    const exit = await waitBounded(container, spec.limits.timeoutMs, signal);
    await Promise.race([streamEnded, delay(2000)]);
    await sink.close();
    sinkClosed = true;
    if (exit.kind === 'aborted') throw new HbuildError('ERR_CANCELLED', 'build cancelled');
    if (exit.kind === 'timeout') {
      throw new HbuildError('ERR_BUILD_TIMEOUT', `build exceeded its wall-clock limit of ${spec.limits.timeoutMs / 1000} s and was killed`, {
        hint: 'raise limits.timeout-seconds in the package recipe (recipes/NAME.yaml) if the build is legitimately slow',
        details: { logTail: sink.tail() },
      });
    }
    // The OOM killer only ever leaves a non-zero exit: a clean exit needs no inspect round trip.
    const state = exit.code === 0 ? { OOMKilled: false } : (await container.inspect()).State;
    if (state.OOMKilled) {
      throw new HbuildError('ERR_BUILD_FAILED', `build ran out of memory (limit ${Math.round(spec.limits.memoryBytes / 2 ** 20)} MiB) and was killed`, {
        hint: 'raise limits.memory-mib in the package recipe (recipes/NAME.yaml) if the build legitimately needs more',
        details: { exitCode: exit.code, logTail: sink.tail() },
      });
    }
    if (exit.code !== 0) {
      throw new HbuildError('ERR_BUILD_FAILED', `build exited with status ${exit.code}`, {
        hint: 'read the build log; its last lines are shown below',
        details: { exitCode: exit.code, logTail: sink.tail() },
      });
    }
    const tar = (await container.getArchive({ path: '/build/out' })) as unknown as Readable;
    const output = await takeOutput(tar);
    return { output, logDroppedBytes: sink.droppedBytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (!sinkClosed) await sink.close().catch(() => undefined);
    await removeContainer(container);
  }
}

/** The create request of a build container: every hardening setting is here, and only here. */
export function createOptions(spec: ContainerSpec, runtime: Runtime): Docker.ContainerCreateOptions {
  const { limits } = spec;
  return {
    name: `hbuild-${randomBytes(8).toString('hex')}`,
    Image: spec.imageId,
    Cmd: deadlineCommand(spec.cmd, limits.timeoutMs),
    Entrypoint: [],
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    User: spec.user ?? '1000:1000',
    WorkingDir: '/build',
    Hostname: spec.hostname ?? 'builder',
    Domainname: spec.domainname ?? 'invalid',
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    NetworkDisabled: (spec.networkMode ?? 'none') === 'none',
    Labels: { ...spec.labels, ...ownerLabels() },
    StopSignal: 'SIGKILL',
    HostConfig: {
      Runtime: runtime,
      NetworkMode: spec.networkMode ?? 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      PidsLimit: limits.pids,
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      NanoCpus: Math.round(limits.cpus * 1e9),
      ...(spec.cpuset === undefined ? {} : { CpusetCpus: spec.cpuset }),
      Ulimits: [
        { Name: 'fsize', Soft: limits.fileSizeBytes, Hard: limits.fileSizeBytes },
        { Name: 'nofile', Soft: 4096, Hard: 4096 },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      // exec: pip installs the build environment under /tmp, and compiled build requirements (Cython) must load from it.
      Tmpfs: { '/tmp': `rw,exec,nosuid,nodev,size=${limits.tmpfsBytes},mode=1777` },
      Mounts: [{ Type: 'volume', Source: '', Target: '/build' }],
      LogConfig: { Type: 'none', Config: {} },
      IpcMode: 'private',
      AutoRemove: false,
    },
  };
}

/** Seconds past hbuild's own wall-clock limit after which the container kills its build itself. */
export const IN_CONTAINER_GRACE_SECONDS = 5;

/**
 * The command under coreutils' `timeout`, as the container's first process: when hbuild
 * itself dies (kill -9, a crash) and nobody is left to enforce the wall-clock limit, the
 * build is killed in the container a few seconds after it, and the container stops.
 */
export function deadlineCommand(cmd: readonly string[], timeoutMs: number): string[] {
  const seconds = Math.ceil(timeoutMs / 1000) + IN_CONTAINER_GRACE_SECONDS;
  return ['/usr/bin/timeout', '--signal=KILL', `${seconds}s`, ...cmd];
}

type Exit = { kind: 'exited'; code: number } | { kind: 'timeout' } | { kind: 'aborted' };

async function waitBounded(container: Docker.Container, timeoutMs: number, signal: AbortSignal): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const waited = container.wait().then((r: { StatusCode: number }) => ({ kind: 'exited', code: r.StatusCode }) as Exit);
  const timedOut = new Promise<Exit>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
  });
  const aborted = new Promise<Exit>((resolve) => {
    onAbort = () => resolve({ kind: 'aborted' });
    // A cancel that landed between create and start must not wait for the timeout.
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const exit = await Promise.race([waited, timedOut, aborted]);
    if (exit.kind !== 'exited') {
      await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
      await waited.catch(() => undefined);
    }
    return exit;
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

export async function removeContainer(container: Docker.Container): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await container.remove({ force: true, v: true });
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      await delay(200 * (attempt + 1));
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
