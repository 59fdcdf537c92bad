import type { LibraryMap } from '../image/cli-entry.js';
import { isElf, readElfDynamic } from './elf.js';
import { DEFAULT_WHEEL_LIMITS, listMembers } from './zip-entry.js';
import { openZip, readEntry, wheelInvalid } from './zip.js';

/** One shared library a wheel's compiled code needs from the system, and who provided it in the builder image. */
export interface SystemLibrary {
  /** The DT_NEEDED name, e.g. `libxml2.so.2`. */
  soname: string;
  /** The Debian package that shipped it in the builder image; null when no installed package ships that file. */
  package: string | null;
  version: string | null;
  /** Wheel members that need it (at most 20 listed). */
  neededBy: string[];
}

const MAX_ELF_BYTES = 256 * 2 ** 20;
const MAX_ELF_TOTAL_BYTES = 1024 * 2 ** 20;
const MAX_NEEDED_BY = 20;
/** glibc's own libraries: every Linux system has them, so they are not listed. */
const GLIBC = /^(ld-linux[-.\w]*\.so\.\d+|lib(c|m|pthread|dl|rt|util|resolv|anl|nsl|mvec|BrokenLocale)\.so\.\d+)$/;
const SHARED_NAME = /\.so(\.[0-9]+)*$|\.abi3\.so$/;

/**
 * The shared libraries a wheel's ELF files need beyond themselves and glibc, each with the
 * Debian package and version that provided it in `map`'s builder image. The wheel is read
 * through the same limits as the wheel check; ELF files are parsed bounds-checked in memory
 * (each at most 256 MiB, 1 GiB in all). A wheel with no compiled code gives [].
 */
export async function wheelSystemLibraries(path: string, file: string, map: LibraryMap | null): Promise<SystemLibrary[]> {
  const zip = await openZip(path, file);
  try {
    const members = await listMembers(zip, file, DEFAULT_WHEEL_LIMITS);
    const own = new Set<string>();
    const needs = new Map<string, string[]>();
    let total = 0;
    for (const member of members) {
      if (member.directory || !SHARED_NAME.test(member.name)) continue;
      if (member.size > MAX_ELF_BYTES || total + member.size > MAX_ELF_TOTAL_BYTES) {
        throw wheelInvalid(file, `${member.name} is larger than the ${MAX_ELF_BYTES}-byte limit for shared objects`, 'elf-size');
      }
      total += member.size;
      const chunks: Buffer[] = [];
      for await (const chunk of readEntry(zip, file, member.entry, member.name)) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      if (!isElf(bytes)) continue;
      const dynamic = readElfDynamic(bytes, `${file}: ${member.name}`);
      own.add(member.name.slice(member.name.lastIndexOf('/') + 1));
      if (dynamic.soname !== null) own.add(dynamic.soname);
      for (const name of dynamic.needed) needs.set(name, [...(needs.get(name) ?? []), member.name]);
    }
    const out: SystemLibrary[] = [];
    for (const [soname, neededBy] of needs) {
      const owner = map !== null && Object.hasOwn(map.libraries, soname) ? map.libraries[soname]?.[0] : undefined;
      if (own.has(soname) || GLIBC.test(soname) || owner?.package === 'libc6') continue;
      out.push({ soname, package: owner?.package ?? null, version: owner?.version ?? null, neededBy: neededBy.sort().slice(0, MAX_NEEDED_BY) });
    }
    return out.sort((a, b) => (a.soname < b.soname ? -1 : a.soname > b.soname ? 1 : 0));
  } finally {
    zip.close();
  }
}
