import { describe, expect, it } from 'vitest';
import { isElf, readElfDynamic } from '../../src/check/elf.js';
import { makeElf } from '../fixtures/elf.js';
import { HbuildError } from '../../src/core/errors.js';

function refusal(read: () => unknown): HbuildError {
  try {
    read();
  } catch (err) {
    if (err instanceof HbuildError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('readElfDynamic', () => {
  it('reads DT_NEEDED in order and DT_SONAME', () => {
    const elf = makeElf({ needed: ['libxml2.so.2', 'libc.so.6'], soname: 'etree.so' });

    const dynamic = readElfDynamic(elf, 'etree.so');

    expect(isElf(elf)).toBe(true);
    expect(dynamic).toEqual({ soname: 'etree.so', needed: ['libxml2.so.2', 'libc.so.6'] });
  });

  it('refuses a section table that points past the end of the file', () => {
    const elf = makeElf({ needed: ['libz.so.1'] });
    elf.writeBigUInt64LE(BigInt(elf.length + 1000), 0x28);

    const err = refusal(() => readElfDynamic(elf, 'bad.so'));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toMatch(/^bad\.so: malformed ELF file \(read of 64 bytes at \d+ past the end\)$/);
  });

  it('refuses a DT_NEEDED offset outside the string table', () => {
    const elf = makeElf({ needed: ['libz.so.1'] });
    const dynOff = Math.ceil((64 + 1 + 'libz.so.1'.length + 1) / 8) * 8;
    elf.writeBigUInt64LE(10_000n, dynOff + 8);

    const err = refusal(() => readElfDynamic(elf, 'bad.so'));

    expect(err.message).toBe('bad.so: malformed ELF file (string offset outside the string table)');
  });

  it('refuses a file that is not ELF and a truncated header', () => {
    expect(refusal(() => readElfDynamic(Buffer.from('#!/bin/sh\n'), 'x.so')).message).toBe('x.so: malformed ELF file (no ELF header)');
    expect(refusal(() => readElfDynamic(makeElf({ needed: [] }).subarray(0, 40), 'y.so')).message).toBe('y.so: malformed ELF file (no ELF header)');
  });
});
