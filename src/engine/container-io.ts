import { PassThrough, Writable, type Readable } from 'node:stream';
import { collectReadBuffers, SCAVENGE_EVERY_BYTES } from './scavenge.js';

/** The output stream may run this far past the wheel limit (tar headers and padding) before it is cut. */
export const OUTPUT_SLACK_BYTES = 1024 * 1024;

/**
 * The container's I/O: /build is a tmpfs that exists only while the container runs, so the
 * inputs arrive as tar streams on stdin and are unpacked before the command runs; the
 * command's stdout goes to stderr (the log); when it succeeds, the tar of /build/out goes to
 * stdout. The command does not inherit that stdout (fd 3 is closed for it).
 */
export function ioCommand(cmd: readonly string[]): string[] {
  return [
    '/bin/sh',
    '-c',
    'tar -x -i -f - -C /build --no-same-owner || exit 125; exec 3>&1 1>&2; "$@" 3>&-; status=$?; [ "$status" -eq 0 ] || exit "$status"; exec tar -c -f - -C /build out >&3',
    'hbuild-io',
    ...cmd,
  ];
}

/** Write every input tar, in order, to the container's stdin, then close it; stops when the run is cancelled or stdin closes. */
export async function sendInputs(stdin: NodeJS.ReadWriteStream, inputs: ReadonlyArray<() => Readable>, signal: AbortSignal): Promise<void> {
  let closed = false;
  const onClose = (): void => {
    closed = true;
  };
  stdin.once('close', onClose);
  try {
    for (const input of inputs) {
      const source = input();
      for await (const chunk of source) {
        if (closed || signal.aborted) {
          (source as Readable).destroy();
          return;
        }
        if (!stdin.write(chunk as Buffer)) {
          await new Promise<void>((resolve) => {
            const go = (): void => {
              stdin.off('drain', go);
              stdin.off('close', go);
              resolve();
            };
            stdin.on('drain', go);
            stdin.on('close', go);
          });
        }
      }
    }
    stdin.end();
  } finally {
    stdin.off('close', onClose);
  }
}

export function ownerOf(user: string): { uid: number; gid: number } {
  const [uid, gid] = user.split(':').map(Number);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error(`not a uid:gid: ${user}`);
  return { uid: uid!, gid: gid! };
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

/**
 * The stdout side of the container: passed on to the output reader with backpressure, up to
 * `maxBytes` (plus slack); past that, or once the reader has settled, bytes are counted and dropped.
 */
export function outputChannel(maxBytes: number): { writable: Writable; tar: PassThrough; bytes: () => number; overflowed: () => boolean; settle: () => void } {
  const tar = new PassThrough();
  let bytes = 0;
  let settled = false;
  const limit = maxBytes + OUTPUT_SLACK_BYTES;
  // A write waiting for the reader; settling (or the reader destroying the stream) releases it.
  let waiting: (() => void) | null = null;
  const writable = new Writable({
    write(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (settled || bytes > limit || tar.destroyed) return done();
      if (tar.write(chunk) || tar.destroyed) return done();
      const resume = (): void => {
        tar.off('drain', resume);
        tar.off('close', resume);
        waiting = null;
        done();
      };
      waiting = resume;
      tar.on('drain', resume);
      tar.on('close', resume);
    },
    final(done) {
      tar.end();
      done();
    },
  });
  return {
    writable,
    tar,
    bytes: () => bytes,
    overflowed: () => bytes > limit,
    settle: () => {
      settled = true;
      tar.resume();
      waiting?.();
    },
  };
}

/** Docker's attach framing without a TTY: an 8-byte header (stream type, 3 zero bytes, big-endian length), then the payload. */
const FRAME_HEADER_BYTES = 8;

/**
 * Split the attach stream into the container's stdout and stderr, frame by frame, writing
 * each payload piece as it arrives and waiting whenever a destination is full: nothing is
 * buffered past one socket read, and a slow reader slows the container instead of filling
 * hbuild's memory. Frames of unknown type are dropped. Resolves when the stream ends.
 */
export async function demuxAttach(stream: NodeJS.ReadableStream, stdout: Writable, stderr: Writable): Promise<void> {
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  let headerBytes = 0;
  let remaining = 0;
  let target: Writable | null = null;
  let sinceCollect = 0;
  for await (const raw of stream) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : (raw as Buffer);
    sinceCollect += chunk.length;
    if (sinceCollect >= SCAVENGE_EVERY_BYTES) {
      sinceCollect = 0;
      collectReadBuffers();
    }
    let at = 0;
    while (at < chunk.length) {
      if (remaining === 0) {
        const take = Math.min(FRAME_HEADER_BYTES - headerBytes, chunk.length - at);
        chunk.copy(header, headerBytes, at, at + take);
        headerBytes += take;
        at += take;
        if (headerBytes < FRAME_HEADER_BYTES) break;
        headerBytes = 0;
        remaining = header.readUInt32BE(4);
        target = header[0] === 1 ? stdout : header[0] === 2 ? stderr : null;
        continue;
      }
      const take = Math.min(remaining, chunk.length - at);
      const piece = chunk.subarray(at, at + take);
      at += take;
      remaining -= take;
      if (target && !target.destroyed && !target.write(piece)) await drained(target);
    }
  }
}

function drained(writable: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      writable.off('drain', done);
      writable.off('close', done);
      writable.off('error', done);
      resolve();
    };
    writable.on('drain', done);
    writable.on('close', done);
    writable.on('error', done);
  });
}
