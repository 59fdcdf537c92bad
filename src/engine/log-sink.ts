import { createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { once } from 'node:events';

/**
 * Collects a build's stdout and stderr into one file, keeping at most `capBytes`
 * and a short tail for error messages; everything past the cap is counted and
 * dropped, so a build that floods its log costs disk and memory only up to the cap.
 */
export class LogSink {
  readonly #file: WriteStream;
  readonly #cap: number;
  #written = 0;
  #dropped = 0;
  #tail: Buffer[] = [];
  #tailBytes = 0;
  /** A failed write (a full disk): the rest of the log is dropped, and close() reports it. */
  #failed: Error | null = null;
  static readonly TAIL_BYTES = 4096;

  constructor(path: string, capBytes: number) {
    this.#file = createWriteStream(path, { flags: 'wx', mode: 0o644 });
    this.#file.on('error', (err) => {
      this.#failed ??= err;
    });
    this.#cap = capBytes;
  }

  /** A writable that feeds this sink; hand one to each demuxed stream. */
  writable(): Writable {
    return new Writable({
      // Waits while the file is behind, so at most a write buffer of log is held in memory.
      write: (chunk: Buffer, _enc, done) => {
        if (this.#take(chunk)) return done();
        const go = (): void => {
          this.#file.off('drain', go);
          this.#file.off('close', go);
          done();
        };
        this.#file.on('drain', go);
        this.#file.on('close', go);
      },
    });
  }

  /** Keep what fits under the cap; false when the file asks the writer to wait for it to drain. */
  #take(chunk: Buffer): boolean {
    this.#remember(chunk);
    const room = this.#cap - this.#written;
    if (room <= 0 || this.#failed || this.#file.destroyed) {
      this.#dropped += chunk.length;
      return true;
    }
    const kept = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.#dropped += chunk.length - kept.length;
    this.#written += kept.length;
    return this.#file.write(kept);
  }

  #remember(chunk: Buffer): void {
    this.#tail.push(Buffer.from(chunk.subarray(Math.max(0, chunk.length - LogSink.TAIL_BYTES))));
    this.#tailBytes += Math.min(chunk.length, LogSink.TAIL_BYTES);
    while (this.#tailBytes - (this.#tail[0]?.length ?? 0) >= LogSink.TAIL_BYTES) {
      this.#tailBytes -= this.#tail.shift()?.length ?? 0;
    }
  }

  get droppedBytes(): number {
    return this.#dropped;
  }

  /** Last lines of the log (from the whole stream, including dropped parts). */
  tail(lines = 25): string {
    const text = Buffer.concat(this.#tail).toString('utf8');
    return text.split('\n').slice(-lines - 1).join('\n').trimEnd();
  }

  async close(): Promise<void> {
    if (!this.#file.destroyed) {
      if (this.#dropped > 0) {
        this.#file.write(`\n[hbuild: log capped at ${this.#cap} bytes; ${this.#dropped} further bytes dropped]\n`);
      }
      this.#file.end();
      await once(this.#file, 'close').catch(() => undefined);
    }
    if (this.#failed) throw this.#failed;
  }
}
