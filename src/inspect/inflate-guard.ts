import { Transform, type TransformCallback } from 'node:stream';
import { maxTarStreamBytes, RATIO_FLOOR_BYTES, type ArchiveLimits } from './archive-limits.js';
import type { UnsafeRule } from './unsafe.js';

export interface InflateGuardOptions {
  limits: ArchiveLimits;
  /** Compressed bytes read from disk so far. */
  compressedBytes: () => number;
  refuse: (rule: UnsafeRule, why: string) => Error;
}

/**
 * Sits between gunzip and the tar parser and fails the stream as soon as the
 * output outgrows the limits, so a bomb is stopped while decompressing rather
 * than after. Counting raw tar bytes (not member sizes) also catches endless
 * runs of empty headers or padding that no member accounts for.
 */
export function createInflateGuard(options: InflateGuardOptions): Transform {
  const { limits, compressedBytes, refuse } = options;
  const maxOut = maxTarStreamBytes(limits);
  let out = 0;

  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
      out += chunk.length;
      const compressed = compressedBytes();
      if (compressed > limits.maxCompressedBytes) {
        done(refuse('compressed-too-large', `archive exceeds ${limits.maxCompressedBytes} compressed bytes`));
        return;
      }
      if (out > maxOut) {
        done(refuse('total-too-large', `archive decompresses to more than ${maxOut} bytes`));
        return;
      }
      if (out > RATIO_FLOOR_BYTES && out > compressed * limits.maxRatio) {
        done(refuse('ratio', `decompression ratio exceeds ${limits.maxRatio}:1 (${out} bytes from ${compressed})`));
        return;
      }
      done(null, chunk);
    },
  });
}
