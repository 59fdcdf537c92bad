import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { demuxAttach, outputChannel } from '../../src/engine/container-io.js';

function frame(type: number, payload: string | Buffer): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function collector(): { writable: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  return {
    writable: new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        done();
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  };
}

describe('demuxAttach', () => {
  it('splits frames into stdout and stderr however the socket cuts them, and drops unknown stream types', async () => {
    const bytes = Buffer.concat([frame(1, 'out-1 '), frame(2, 'log-1 '), frame(3, 'junk'), frame(1, 'out-2'), frame(2, 'log-2')]);
    const pieces = [...bytes].map((b) => Buffer.from([b]));
    const out = collector();
    const err = collector();

    await demuxAttach(Readable.from(pieces), out.writable, err.writable);

    expect(out.text()).toBe('out-1 out-2');
    expect(err.text()).toBe('log-1 log-2');
  });

  it('stops reading while a destination is full, so the source is not drained into memory', async () => {
    const total = 4096;
    let pulled = 0;
    const source = new Readable({
      highWaterMark: 1024,
      read() {
        if (pulled === 0) this.push(frame(1, Buffer.alloc(0)).subarray(0, 4));
        pulled++;
        if (pulled === 1) {
          const header = Buffer.alloc(4);
          header.writeUInt32BE(total * 1024, 0);
          this.push(header);
        } else if (pulled <= total + 1) this.push(Buffer.alloc(1024, 120));
        else this.push(null);
      },
    });
    const held: Array<() => void> = [];
    let release = false;
    const slow = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, done) {
        if (release) done();
        else held.push(done);
      },
    });

    const demuxed = demuxAttach(source, slow, collector().writable);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const pulledWhileFull = pulled;
    release = true;
    for (const done of held.splice(0)) done();
    await demuxed;

    expect(pulledWhileFull).toBeLessThan(16);
    expect(pulled).toBe(total + 2);
  });
});

describe('outputChannel', () => {
  it('never holds the container\'s stdout once the reader has given up, even when it destroyed the stream before the write waited', async () => {
    const channel = outputChannel(1024 * 1024);
    const written: Promise<void>[] = [];
    const write = (size: number): void => {
      written.push(new Promise((resolve) => channel.writable.write(Buffer.alloc(size), () => resolve())));
    };

    write(64 * 1024);
    channel.tar.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    write(64 * 1024);
    await new Promise((resolve) => setImmediate(resolve));
    channel.settle();
    write(64 * 1024);

    await Promise.all(written);
    expect(channel.bytes()).toBe(3 * 64 * 1024);
  });
});
