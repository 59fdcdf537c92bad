import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { ZipFile } from 'yauzl';
import { findDistInfo } from '../check/dist-info.js';
import { DEFAULT_WHEEL_LIMITS, listMembers, type ZipMember } from '../check/zip-entry.js';
import { closeZip, entryInvalid, openZip, readEntryBytes, wheelInvalid } from '../check/zip.js';
import { HbuildError } from '../core/errors.js';

/** Where a build environment lives in the container; its layout is fixed so that every build sees the same paths. */
export const ENV_ROOT = 'env';
export const ENV_SITE = `${ENV_ROOT}/site-packages`;
export const ENV_BIN = `${ENV_ROOT}/bin`;

/** The interpreter scripts and entry points are written for: the builder image's Python. */
const PYTHON = '/usr/bin/python3';

/** An environment larger than this (uncompressed) is refused; /build's own bound applies in the container too. */
const MAX_ENV_BYTES = 2048 * 2 ** 20;

export interface InstallWheel {
  file: string;
  path: string;
}

interface Target {
  /** Path inside the tar, under `env/`. */
  path: string;
  executable: boolean;
  /** Where the bytes come from: a zip member, or text made here (scripts, RECORD, INSTALLER). */
  from: { zip: ZipFile; wheel: string; member: ZipMember; shebang: boolean } | { text: string } | { bytes: Buffer };
}

/**
 * Install wheels the way an installer does (PEP 427 / PEP 491), into a tar of `env/`:
 * the root of each wheel and its `.data/purelib` and `.data/platlib` go to site-packages,
 * `.data/scripts` to bin (a `#!python` line is rewritten to the image's Python),
 * `.data/headers` to include/NAME, `.data/data` to the environment's root; console and
 * GUI entry points become scripts in bin; RECORD is rewritten to the installed paths.
 * Every wheel is read through the hardened zip reader. The tar is deterministic: sorted,
 * mtime 0, owner 0, read-only modes; two wheels that install the same path are refused.
 */
export async function installWheels(wheels: readonly InstallWheel[]): Promise<Readable> {
  const plan = await planEnv(wheels);
  return plan.tar(undefined, { close: true });
}

/** An environment's install plan: its tar can be written more than once (with .pyc files added the second time); close it when done. */
export interface EnvPlan {
  /** The installed .py files of site-packages (paths `env/site-packages/...`): what may be byte-compiled. */
  sources: ReadonlySet<string>;
  /** Their total size, uncompressed. */
  sourceBytes: number;
  /** The environment's tar, with these .pyc files (by their path in it) added; `close` closes the plan once it is written. */
  tar(pycs?: ReadonlyMap<string, Buffer>, opts?: { close?: boolean }): Readable;
  close(): void;
}

/** Plan the install of `wheels` (see installWheels) without writing it yet. */
export async function planEnv(wheels: readonly InstallWheel[]): Promise<EnvPlan> {
  const zips: ZipFile[] = [];
  const targets = new Map<string, Target & { wheel: string }>();
  try {
    for (const wheel of [...wheels].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
      const zip = await openZip(wheel.path, wheel.file);
      zips.push(zip);
      for (const target of await planWheel(zip, wheel.file)) {
        const other = targets.get(target.path);
        if (other) {
          throw new HbuildError('ERR_BUILD_FAILED', `build environment: ${wheel.file} and ${other.wheel} both install ${target.path}`, {
            hint: 'two build requirements of this package ship the same file; drop one from its build-requires in the lock',
            details: { path: target.path, wheels: [other.wheel, wheel.file] },
          });
        }
        targets.set(target.path, { ...target, wheel: wheel.file });
      }
    }
  } catch (err) {
    for (const zip of zips) closeZip(zip);
    throw err;
  }
  const planned = [...targets.values()];
  const close = (): void => {
    for (const zip of zips) closeZip(zip);
  };
  const sources = planned.filter((t) => t.path.startsWith(`${ENV_SITE}/`) && t.path.endsWith('.py'));
  return {
    sources: new Set(sources.map((t) => t.path)),
    sourceBytes: sources.reduce((sum, t) => sum + ('member' in t.from ? t.from.member.size : 0), 0),
    // A .pyc path is one compileEnv checked against sources; the tar stays sorted, so the bytes are a function of the inputs.
    tar: (pycs, opts) =>
      writeTar([...planned, ...[...(pycs ?? new Map<string, Buffer>())].map(([path, bytes]): Target => ({ path, executable: false, from: { bytes } }))], () => {
        if (opts?.close) close();
      }),
    close,
  };
}

const DATA_SUFFIX = '.data';
const SCRIPT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;
const OBJECT_REF = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*(:[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*)?$/;

async function planWheel(zip: ZipFile, file: string): Promise<Target[]> {
  const limits = DEFAULT_WHEEL_LIMITS;
  const members = await listMembers(zip, file, limits);
  const distInfo = findDistInfo(members, file);
  const stem = distInfo.slice(0, -'.dist-info'.length);
  const data = `${stem}${DATA_SUFFIX}`;
  const project = stem.slice(0, stem.lastIndexOf('-'));
  const byName = new Map(members.map((m) => [m.name, m]));
  const targets: Target[] = [];
  const installed: string[] = [];
  let total = 0;
  for (const member of members) {
    if (member.directory) continue;
    total += member.size;
    if (total > MAX_ENV_BYTES) throw wheelInvalid(file, `installs more than ${MAX_ENV_BYTES} bytes`, 'env-too-large');
    if (member.name === `${distInfo}/RECORD` || member.name === `${distInfo}/INSTALLER`) continue;
    const placed = placeMember(member.name, data, project, file);
    const shebang = placed.startsWith(`${ENV_BIN}/`);
    targets.push({ path: placed, executable: shebang, from: { zip, wheel: file, member, shebang } });
    installed.push(placed);
  }
  const entryPoints = byName.get(`${distInfo}/entry_points.txt`);
  if (entryPoints && !entryPoints.directory) {
    if (entryPoints.size > limits.maxMetadataBytes) throw entryInvalid(file, entryPoints.name, 'entry_points.txt is too large', 'metadata-too-large');
    const text = (await readEntryBytes(zip, file, entryPoints.entry, entryPoints.name)).toString('utf8');
    for (const [name, ref] of consoleScripts(text, file, entryPoints.name)) {
      const path = `${ENV_BIN}/${name}`;
      targets.push({ path, executable: true, from: { text: entryPointScript(ref) } });
      installed.push(path);
    }
  }
  const siteDir = `${ENV_SITE}/${distInfo}`;
  targets.push({ path: `${siteDir}/INSTALLER`, executable: false, from: { text: 'hbuild\n' } });
  installed.push(`${siteDir}/INSTALLER`);
  // The installed RECORD names every installed file relative to site-packages; hashes were checked when the wheel was accepted.
  const record = [...installed, `${siteDir}/RECORD`].map((p) => `${csvField(relativeToSite(p))},,`).join('\n');
  targets.push({ path: `${siteDir}/RECORD`, executable: false, from: { text: `${record}\n` } });
  return targets;
}

/** The installed path of one wheel member. */
function placeMember(name: string, data: string, project: string, file: string): string {
  if (!name.startsWith(`${data}/`)) return `${ENV_SITE}/${name}`;
  const rest = name.slice(data.length + 1);
  const slash = rest.indexOf('/');
  const scheme = slash === -1 ? rest : rest.slice(0, slash);
  const inner = slash === -1 ? '' : rest.slice(slash + 1);
  if (inner === '') throw entryInvalid(file, name, 'a file directly in the .data directory', 'data-scheme');
  switch (scheme) {
    case 'purelib':
    case 'platlib':
      return `${ENV_SITE}/${inner}`;
    case 'scripts':
      return `${ENV_BIN}/${inner}`;
    case 'headers':
      return `${ENV_ROOT}/include/${project}/${inner}`;
    case 'data':
      return `${ENV_ROOT}/data/${inner}`;
    default:
      throw entryInvalid(file, name, `unknown .data scheme ${scheme}`, 'data-scheme');
  }
}

/** `[console_scripts]` and `[gui_scripts]` of entry_points.txt, as (script name, object reference). */
function consoleScripts(text: string, file: string, member: string): Array<[string, string]> {
  const scripts: Array<[string, string]> = [];
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      continue;
    }
    if (section !== 'console_scripts' && section !== 'gui_scripts') continue;
    const eq = line.indexOf('=');
    const name = line.slice(0, eq).trim();
    const ref = line.slice(eq + 1).replace(/\[.*\]\s*$/, '').trim();
    if (eq <= 0 || !SCRIPT_NAME.test(name) || !OBJECT_REF.test(ref)) {
      throw entryInvalid(file, member, `entry point ${JSON.stringify(line.slice(0, 200))} is not NAME = module:object`, 'entry-points');
    }
    scripts.push([name, ref]);
  }
  return scripts;
}

function entryPointScript(ref: string): string {
  const [module, object] = ref.split(':') as [string, string | undefined];
  const [head, ...attrs] = (object ?? '').split('.');
  const call = object === undefined ? `import ${module} as _m\n_f = _m` : `from ${module} import ${head} as _f\n_f = _f${attrs.map((a) => `.${a}`).join('')}`;
  return `#!${PYTHON}\nimport sys\n${call}\nif __name__ == "__main__":\n    sys.exit(_f())\n`;
}

function relativeToSite(path: string): string {
  if (path.startsWith(`${ENV_SITE}/`)) return path.slice(ENV_SITE.length + 1);
  return `../${path.slice(ENV_ROOT.length + 1)}`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const SHEBANG_PYTHON = /^#!python(w)?(?=[\s]|$)/;

function writeTar(targets: Target[], done: () => void): Readable {
  const archive = pack();
  const header = { uid: 0, gid: 0, uname: '', gname: '', mtime: new Date(0) };
  const dirs = new Set<string>([ENV_ROOT, ENV_SITE, ENV_BIN]);
  for (const target of targets) {
    for (let i = target.path.indexOf('/'); i !== -1; i = target.path.indexOf('/', i + 1)) dirs.add(target.path.slice(0, i));
  }
  const sorted = [...targets].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const write = async (): Promise<void> => {
    for (const target of sorted) {
      let bytes: Buffer;
      if ('text' in target.from) bytes = Buffer.from(target.from.text, 'utf8');
      else if ('bytes' in target.from) bytes = target.from.bytes;
      else {
        const { zip, wheel, member, shebang } = target.from;
        bytes = await readEntryBytes(zip, wheel, member.entry, member.name);
        if (shebang) bytes = rewriteShebang(bytes);
      }
      await new Promise<void>((resolve, reject) => {
        archive.entry({ ...header, name: target.path, type: 'file', mode: target.executable ? 0o555 : 0o444, size: bytes.length }, bytes, (err) =>
          err ? reject(err) : resolve(),
        );
      });
    }
    // Directories come last: tar creates them writable on the way, and only then makes them read-only.
    for (const dir of [...dirs].sort()) archive.entry({ ...header, name: `${dir}/`, type: 'directory', mode: 0o555 });
    archive.finalize();
  };
  write()
    .catch((err: unknown) => archive.destroy(err as Error))
    .finally(done);
  return archive as unknown as Readable;
}

/** `#!python` (PEP 427's placeholder) becomes the image's interpreter; any other first line is left as it is. */
function rewriteShebang(bytes: Buffer): Buffer {
  const firstLine = bytes.subarray(0, Math.min(bytes.length, 128)).toString('latin1');
  const match = SHEBANG_PYTHON.exec(firstLine);
  if (!match) return bytes;
  return Buffer.concat([Buffer.from(`#!${PYTHON}`), bytes.subarray(match[0].length)]);
}
