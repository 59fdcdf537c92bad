import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { HbuildError } from '../core/errors.js';
import type { ContainerLimits } from './container-limits.js';
import { engineStatus } from './call.js';
import { deadlineCommand, demuxAttach, ioCommand, outputChannel, ownerOf, sendInputs } from './container-io.js';
import { bounded, CALL_DEADLINE_MS, SETTLE_DEADLINE_MS, TRANSFER_DEADLINE_MS, withDeadline } from './deadline.js';
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
  /** Build slots the container takes on a pool's engine (the recipe's CPU weight); default 1. A single engine ignores it. */
  slots?: number;
  /** A pool says here which of its engines the container goes to (again on a retry); a single engine does not call it. */
  onEngine?: (engine: string) => void;
  /**
   * Given, the removal of the exited container is handed here instead of awaited, so the
   * build's slot is free while the engine removes it; the caller awaits it before it returns.
   * A lost engine's removal (one short try) is always awaited.
   */
  deferRemoval?: (removal: Promise<void>) => void;
}

export interface ContainerOutcome<T> {
  output: T;
  logDroppedBytes: number;
  seconds: number;
  /** A pool's engine that ran it (the one that finished it), for events and reports; unset for a single engine. */
  engine?: string;
}

/**
 * Run one command in a fresh, locked-down container under `runtime`: the input tars go in
 * on stdin, the tar of /build/out comes back on stdout and is handed to `takeOutput` as it
 * streams, the log (stderr) goes to a capped sink. The container is removed on every path:
 * success, failure, timeout, abort and a lost engine (one short try; the next sweep does the rest).
 */
export async function runInContainer<T>(
  docker: Docker,
  spec: ContainerSpec,
  takeOutput: (tar: Readable) => Promise<T>,
  signal: AbortSignal,
  runtime: Runtime = DEFAULT_RUNTIME,
  address = 'the Docker engine',
): Promise<ContainerOutcome<T>> {
  signal.throwIfAborted();
  const started = performance.now();
  const call = <R>(what: string, ms: number, fn: () => Promise<R>): Promise<R> => withDeadline(address, what, ms, fn);
  const container = await call('create a container', CALL_DEADLINE_MS, () => docker.createContainer(createOptions(spec, runtime)));
  const sink = new LogSink(spec.logPath, spec.limits.logBytes);
  let sinkClosed = false;
  let engineLost = false;
  try {
    // stdin carries the inputs in, stdout the output tar out, stderr the log (see ioCommand).
    const stream = await call('attach to the build', CALL_DEADLINE_MS, () =>
      container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true, logs: false }),
    );
    const out = outputChannel(spec.limits.outputBytes);
    // Our own demultiplexer, not docker-modem's: it waits for a full destination, so a flooding build is slowed, not buffered.
    const streamEnded = demuxAttach(stream, out.writable, sink.writable())
      .catch(() => undefined)
      .finally(() => out.writable.end());
    const output = takeOutput(out.tar);
    output.then(out.settle, out.settle);
    await call('start the build', CALL_DEADLINE_MS, () => container.start());
    // A build that exits early (its inputs do not fit) closes stdin: its exit status tells why.
    await sendInputs(stream, spec.inputs, signal).catch(() => undefined);
    const exit = await waitBounded(docker, container, spec.limits.timeoutMs, signal);
    if (exit.kind === 'engine-lost' || exit.unresponsive) engineLost = true;
    // The log may trail the exit a little; it is not waited for long.
    await bounded(streamEnded, 2000).catch(() => undefined);
    await sink.close();
    sinkClosed = true;
    if (exit.kind === 'aborted') throw new HbuildError('ERR_CANCELLED', 'build cancelled');
    if (exit.kind === 'engine-lost') {
      throw new HbuildError('ERR_DOCKER_UNAVAILABLE', `lost the Docker engine at ${address} during the build (${exit.why})`, {
        hint: 'when the engine answers again, the next hbuild command removes what this build left',
        details: { engine: address, logTail: sink.tail() },
      });
    }
    if (exit.kind === 'timeout') {
      throw new HbuildError('ERR_BUILD_TIMEOUT', `build exceeded its wall-clock limit of ${spec.limits.timeoutMs / 1000} s and was killed`, {
        hint: 'raise limits.timeout-seconds in the package recipe (recipes/NAME.yaml) if the build is legitimately slow',
        details: { logTail: sink.tail() },
      });
    }
    // The OOM killer only ever leaves a non-zero exit: a clean exit needs no inspect round trip.
    const state = exit.code === 0 ? { OOMKilled: false } : (await call('inspect the build', CALL_DEADLINE_MS, () => container.inspect())).State;
    // Under gVisor an allocation can fail inside the sandbox before the cgroup's OOM killer acts:
    // Python then dies of MemoryError with an ordinary exit status. It is the same limit reached.
    if (state.OOMKilled || (exit.code !== 0 && /^MemoryError\b/m.test(sink.tail()))) {
      throw new HbuildError('ERR_BUILD_FAILED', `build ran out of memory (limit ${Math.round(spec.limits.memoryBytes / 2 ** 20)} MiB) and was killed`, {
        hint: 'raise limits.memory-mib in the package recipe (recipes/NAME.yaml) if the build legitimately needs more',
        details: { exitCode: exit.code, logTail: sink.tail() },
      });
    }
    if (exit.code !== 0 && /No space left on device/.test(sink.tail())) {
      throw new HbuildError('ERR_BUILD_FAILED', `build ran out of scratch space: /build is limited to ${Math.round(spec.limits.diskBytes / 2 ** 20)} MiB`, {
        hint: 'raise limits.disk-mib in the package recipe (recipes/NAME.yaml) if the build legitimately needs more',
        details: { exitCode: exit.code, logTail: sink.tail() },
      });
    }
    if (exit.code !== 0) {
      throw new HbuildError('ERR_BUILD_FAILED', `build exited with status ${exit.code}`, {
        hint: 'read the build log; its last lines are shown below',
        details: { exitCode: exit.code, logTail: sink.tail() },
      });
    }
    if (out.overflowed()) {
      throw new HbuildError('ERR_BUILD_OUTPUT', `the build output archive exceeds ${spec.limits.outputBytes} bytes`, {
        hint: 'a wheel this large is refused; check what the build put into /build/out',
      });
    }
    const result = await call('copy the build output out', TRANSFER_DEADLINE_MS, () => output);
    return { output: result, logDroppedBytes: sink.droppedBytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    if (!sinkClosed) await sink.close().catch(() => undefined);
    // A lost engine gets one short try: the next command's sweep removes what is left.
    const removal = removeContainer(container, engineLost ? 1 : 3);
    if (spec.deferRemoval && !engineLost) spec.deferRemoval(removal);
    else await removal;
  }
}

/** The create request of a build container: every hardening setting is here, and only here. */
export function createOptions(spec: ContainerSpec, runtime: Runtime): Docker.ContainerCreateOptions {
  const { limits } = spec;
  const owner = ownerOf(spec.user ?? '1000:1000');
  return {
    name: `hbuild-${randomBytes(8).toString('hex')}`,
    Image: spec.imageId,
    Cmd: deadlineCommand(ioCommand(spec.cmd), limits.timeoutMs),
    Entrypoint: [],
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    User: spec.user ?? '1000:1000',
    WorkingDir: '/build',
    Hostname: spec.hostname ?? 'builder',
    Domainname: spec.domainname ?? 'invalid',
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: true,
    StdinOnce: true,
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
      // /build is a tmpfs, and its pages are charged to the container's memory.
      Memory: limits.memoryBytes + limits.diskBytes,
      MemorySwap: limits.memoryBytes + limits.diskBytes,
      NanoCpus: Math.round(limits.cpus * 1e9),
      ...(spec.cpuset === undefined ? {} : { CpusetCpus: spec.cpuset }),
      Ulimits: [
        { Name: 'fsize', Soft: limits.fileSizeBytes, Hard: limits.fileSizeBytes },
        { Name: 'nofile', Soft: 4096, Hard: 4096 },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      // exec: builds compile and load helpers from TMPDIR.
      Tmpfs: {
        '/tmp': `rw,exec,nosuid,nodev,size=${limits.tmpfsBytes},mode=1777`,
        // The build's scratch, bounded: writing past it fails the build (ENOSPC), never the host's disk.
        '/build': `rw,exec,nosuid,nodev,size=${limits.diskBytes},uid=${owner.uid},gid=${owner.gid},mode=0755`,
      },
      LogConfig: { Type: 'none', Config: {} },
      IpcMode: 'private',
      AutoRemove: false,
    },
  };
}

type Exit = ({ kind: 'exited'; code: number } | { kind: 'timeout' } | { kind: 'aborted' } | { kind: 'engine-lost'; why: string }) & {
  /** The engine did not answer the kill: nothing more is asked of it. */
  unresponsive?: boolean;
};

/** While a build runs, the engine is pinged this often; this many unanswered pings in a row and it is lost. */
const WATCH_EVERY_MS = 5_000;
const WATCH_MISSES = 3;

/**
 * Wait for the build to exit, its wall-clock limit, the run's signal, or the loss of the
 * engine (the long-poll `wait` fails, or the engine stops answering pings), whichever
 * comes first. Whatever comes first, no await after it is unbounded.
 */
async function waitBounded(docker: Docker, container: Docker.Container, timeoutMs: number, signal: AbortSignal): Promise<Exit> {
  const timers: NodeJS.Timeout[] = [];
  let onAbort: (() => void) | undefined;
  const waited = container.wait().then(
    (r: { StatusCode: number }): Exit => ({ kind: 'exited', code: r.StatusCode }),
    (err: unknown): Exit => ({ kind: 'engine-lost', why: `waiting for the build failed: ${(err as Error).message}` }),
  );
  const timedOut = new Promise<Exit>((resolve) => {
    timers.push(setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs));
  });
  const aborted = new Promise<Exit>((resolve) => {
    onAbort = () => resolve({ kind: 'aborted' });
    // A cancel that landed between create and start must not wait for the timeout.
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const lost = new Promise<Exit>((resolve) => {
    let misses = 0;
    const watch = setInterval(() => {
      bounded(docker.ping(), WATCH_EVERY_MS).then(
        () => (misses = 0),
        () => {
          misses++;
          if (misses >= WATCH_MISSES) resolve({ kind: 'engine-lost', why: `no answer to ${misses} pings in a row` });
        },
      );
    }, WATCH_EVERY_MS);
    timers.push(watch);
  });
  try {
    const exit = await Promise.race([waited, timedOut, aborted, lost]);
    if (exit.kind === 'timeout' || exit.kind === 'aborted') {
      const killed = await bounded(container.kill({ signal: 'SIGKILL' }), SETTLE_DEADLINE_MS).then(
        () => true,
        (err: unknown) => engineStatus(err) !== undefined,
      );
      if (!killed) return { ...exit, unresponsive: true };
      await bounded(waited, SETTLE_DEADLINE_MS).catch(() => undefined);
    }
    return exit;
  } finally {
    for (const timer of timers) clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

export async function removeContainer(container: Docker.Container, attempts = 3): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      // Each try waits longer (2 s, 8 s, 18 s): a loaded engine can take seconds to kill and remove
      // a container, and a removal given up on leaves it to the next command's sweep.
      await bounded(container.remove({ force: true, v: true }), SETTLE_DEADLINE_MS * (attempt + 1) ** 2);
      return;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      if (attempt + 1 < attempts) await delay(200 * (attempt + 1));
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
