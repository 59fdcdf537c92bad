import { HbuildError } from '../core/errors.js';

/** What the dynamic linker reads from a shared object: its own soname and the libraries it needs. */
export interface ElfDynamic {
  soname: string | null;
  needed: string[];
}

const SHT_DYNAMIC = 6;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_SONAME = 14;
const MAX_SECTIONS = 65_535;
const MAX_DYNAMIC_ENTRIES = 100_000;
const MAX_NEEDED = 1000;
const MAX_NAME_BYTES = 4096;

/** Whether the bytes start like an ELF file. */
export function isElf(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/**
 * DT_NEEDED and DT_SONAME of an ELF file, read through its section headers (the
 * dynamic section and the string table it links to). The bytes are hostile: every
 * offset and count is bounds-checked, and a malformed file is refused, naming it.
 */
export function readElfDynamic(bytes: Buffer, what: string): ElfDynamic {
  const bad = (why: string): HbuildError =>
    new HbuildError('ERR_WHEEL_INVALID', `${what}: malformed ELF file (${why})`, {
      hint: 'the wheel holds a shared object the dynamic linker could not load either; inspect the build log',
      details: { file: what, why },
    });
  if (!isElf(bytes) || bytes.length < 52) throw bad('no ELF header');
  const wide = bytes[4] === 2;
  if (!wide && bytes[4] !== 1) throw bad('unknown ELF class');
  const little = bytes[5] === 1;
  if (!little && bytes[5] !== 2) throw bad('unknown byte order');
  const u16 = (o: number): number => check(o, 2) && (little ? bytes.readUInt16LE(o) : bytes.readUInt16BE(o));
  const u32 = (o: number): number => check(o, 4) && (little ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  const word = (o: number): number => {
    if (!wide) return u32(o);
    check(o, 8);
    const value = little ? bytes.readBigUInt64LE(o) : bytes.readBigUInt64BE(o);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`offset ${value} out of range`);
    return Number(value);
  };
  function check(offset: number, size: number): number {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > bytes.length) throw bad(`read of ${size} bytes at ${offset} past the end`);
    return 1;
  }
  const shoff = word(wide ? 0x28 : 0x20);
  const shentsize = u16(wide ? 0x3a : 0x2e);
  const shnum = u16(wide ? 0x3c : 0x30);
  if (shoff === 0 || shnum === 0) return { soname: null, needed: [] };
  if (shnum > MAX_SECTIONS || shentsize < (wide ? 64 : 40)) throw bad('bad section header table');
  const section = (i: number): { type: number; offset: number; size: number; link: number; entsize: number } => {
    const base = shoff + i * shentsize;
    check(base, shentsize);
    return wide
      ? { type: u32(base + 4), offset: word(base + 0x18), size: word(base + 0x20), link: u32(base + 0x28), entsize: word(base + 0x38) }
      : { type: u32(base + 4), offset: u32(base + 0x10), size: u32(base + 0x14), link: u32(base + 0x18), entsize: u32(base + 0x24) };
  };
  const needed: string[] = [];
  let soname: string | null = null;
  for (let i = 0; i < shnum; i++) {
    const dyn = section(i);
    if (dyn.type !== SHT_DYNAMIC) continue;
    if (dyn.link >= shnum) throw bad('dynamic section links to no string table');
    const strtab = section(dyn.link);
    check(strtab.offset, strtab.size);
    check(dyn.offset, dyn.size);
    const entry = wide ? 16 : 8;
    const count = Math.floor(dyn.size / entry);
    if (count > MAX_DYNAMIC_ENTRIES) throw bad('dynamic section too large');
    const text = (offset: number): string => {
      if (offset >= strtab.size) throw bad('string offset outside the string table');
      const start = strtab.offset + offset;
      const limit = Math.min(strtab.offset + strtab.size, start + MAX_NAME_BYTES);
      const end = bytes.indexOf(0, start);
      if (end < 0 || end >= limit) throw bad('unterminated or overlong string');
      return bytes.toString('latin1', start, end);
    };
    for (let n = 0; n < count; n++) {
      const at = dyn.offset + n * entry;
      const tag = word(at);
      if (tag === DT_NULL) break;
      const value = word(at + (wide ? 8 : 4));
      if (tag === DT_NEEDED) {
        if (needed.length >= MAX_NEEDED) throw bad(`more than ${MAX_NEEDED} needed libraries`);
        needed.push(text(value));
      } else if (tag === DT_SONAME) soname = text(value);
    }
  }
  return { soname, needed };
}
