export type BinaryFormat = 'elf' | 'pe' | 'mach-o';

/** The executable format of a file from its first bytes, or null. */
export function sniffExecutable(head: Buffer): BinaryFormat | null {
  if (head.length >= 4 && head.readUInt32BE(0) === 0x7f454c46) return 'elf';
  if (head.length >= 4) {
    const magic = head.readUInt32BE(0);
    if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(magic)) return 'mach-o';
    // 0xcafebabe is also a Java class file; a fat Mach-O has a small architecture count where Java has its version.
    if (magic === 0xcafebabe && head.length >= 8 && head.readUInt32BE(4) < 30) return 'mach-o';
  }
  if (head.length >= 64 && head[0] === 0x4d && head[1] === 0x5a) {
    const peOffset = head.readUInt32LE(0x3c);
    if (peOffset + 4 <= head.length) return head.readUInt32BE(peOffset) === 0x50450000 ? 'pe' : null;
    return hasNul(head) ? 'pe' : null;
  }
  return null;
}

export function hasNul(head: Buffer): boolean {
  return head.subarray(0, 8192).includes(0);
}

/** Native code by name: shared objects, extension modules, executables, static libraries. */
export const NATIVE_NAME = /\.(?:so(?:\.\d+)*|pyd|dll|dylib|exe|o|obj|a|lib|jar|class)$/i;
export const BYTECODE_NAME = /\.py[co]$/i;

/** The source a .pyc would have come from: `x.pyc` → `x.py`, `__pycache__/x.cpython-312.pyc` → `x.py`. */
export function sourceOfBytecode(path: string): string {
  const m = /^(.*?)(?:__pycache__\/)?([^/]+?)(?:\.[\w-]+-\d+)?(?:\.opt-\d)?\.py[co]$/.exec(path);
  if (!m) return path.replace(/\.py[co]$/i, '.py');
  return `${m[1]}${m[2]}.py`;
}
