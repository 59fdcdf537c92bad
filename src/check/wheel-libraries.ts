import type { LibraryMap } from '../image/cli-entry.js';
import { isElf, readElfDynamic } from './elf.js';
import { DEFAULT_WHEEL_LIMITS, listMembers } from './zip-entry.js';
import { openZip, readEntry, wheelInvalid } from './zip.js';
import { HbuildError } from '../core/errors.js';
import { quote } from './display.js';

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

/**
 * A shared library a repair copied into the wheel (auditwheel's `<pkg>.libs/`), with the
 * Debian package of the builder image it was copied from: shipped inside the wheel, not needed from the system.
 */
export interface VendoredLibrary {
  /** The wheel member, e.g. `pyzmq.libs/libzmq-a1b2c3d4.so.5.2.5`. */
  file: string;
  /** The builder image's library it is a copy of, e.g. `libzmq.so.5.2.5`. */
  copyOf: string;
  package: string | null;
  version: string | null;
}

/** What a wheel's compiled code needs from the system, and what a repair vendored into it. */
export interface WheelLibraries {
  system: SystemLibrary[];
  vendored: VendoredLibrary[];
}

/**
 * auditwheel's layout: `<pkg>.libs/<base>-<first 8 hex of its sha256>.<rest>`, the original
 * name split at its first dot (`libpgm-5.3.so.0` → `libpgm-5-<hex>.3.so.0`).
 */
const VENDORED = /^[^/]+\.libs\/([^/.]+)-[0-9a-f]{8}(\.(?:[^/]*\.)?so(?:\.[0-9]+)*)$/;

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
  return (await wheelLibraries(path, file, map)).system;
}

/**
 * As wheelSystemLibraries, and the libraries a repair vendored: ELF files in a top-level
 * `<pkg>.libs/` directory named as auditwheel names its copies. A vendored library's own
 * needs that it does not find in the wheel are system needs like any other.
 */
export async function wheelLibraries(path: string, file: string, map: LibraryMap | null): Promise<WheelLibraries> {
  const zip = await openZip(path, file);
  try {
    const members = await listMembers(zip, file, DEFAULT_WHEEL_LIMITS);
    const own = new Set<string>();
    const needs = new Map<string, string[]>();
    const vendored: VendoredLibrary[] = [];
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
      const copy = VENDORED.exec(member.name);
      if (copy) {
        const copyOf = `${copy[1]}${copy[2]}`;
        const owner = ownerOf(map, copyOf);
        vendored.push({ file: member.name, copyOf, package: owner?.package ?? null, version: owner?.version ?? null });
      }
      if (dynamic.soname !== null) own.add(dynamic.soname);
      for (const name of dynamic.needed) needs.set(name, [...(needs.get(name) ?? []), member.name]);
    }
    const out: SystemLibrary[] = [];
    for (const [soname, neededBy] of needs) {
      const owner = ownerOf(map, soname);
      if (own.has(soname) || GLIBC.test(soname) || owner?.package === 'libc6') continue;
      out.push({ soname, package: owner?.package ?? null, version: owner?.version ?? null, neededBy: neededBy.sort().slice(0, MAX_NEEDED_BY) });
    }
    return {
      system: out.sort((a, b) => (a.soname < b.soname ? -1 : a.soname > b.soname ? 1 : 0)),
      vendored: vendored.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    };
  } finally {
    zip.close();
  }
}

/**
 * A repaired wheel must not need from the system a library it vendors: that is a repair whose
 * ELF patching did not take (DT_NEEDED still names the system library), and the wheel would
 * not run where the library is missing. ERR_WHEEL_INVALID names both.
 */
export function assertRepairTook(file: string, libraries: WheelLibraries): void {
  const stem = (name: string): string => name.slice(0, name.indexOf('.so'));
  for (const need of libraries.system) {
    const copy = libraries.vendored.find((v) => stem(v.copyOf) === stem(need.soname));
    if (copy === undefined) continue;
    throw new HbuildError('ERR_WHEEL_INVALID', `wheel ${quote(file)} refused: the repair vendored ${copy.file}, but ${need.neededBy[0] ?? 'a member'} still needs ${need.soname} from the system`, {
      hint: "the repair's ELF patching did not take; read the build log (auditwheel and patchelf versions)",
      details: { file, rule: 'repair-incomplete', soname: need.soname, vendored: copy.file },
    });
  }
}

function ownerOf(map: LibraryMap | null, name: string): { package: string; version: string } | undefined {
  return map !== null && Object.hasOwn(map.libraries, name) ? map.libraries[name]?.[0] : undefined;
}
