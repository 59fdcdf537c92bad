import { execa } from 'execa';
import type { Logger } from 'pino';
import { HbuildError } from '../core/errors.js';
import type { ImageRecipe } from './schema.js';

export type ImageLog = Pick<Logger, 'info' | 'warn' | 'debug'>;

const CLEAN_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SECONDS_PER_DAY = 86_400;

/**
 * Shell hooks run by mmdebstrap on the finished chroot (`$1`). They add the build user
 * by appending fixed lines rather than running useradd, which would also touch backup
 * files, lastlog and date-stamped fields.
 */
export function customizeHooks(recipe: ImageRecipe): string[] {
  const { name, uid, gid } = recipe.user;
  const lastChange = Math.floor(recipe['source-date-epoch'] / SECONDS_PER_DAY);
  const home = `/home/${name}`;
  return [
    [
      'set -eu',
      `if grep -q '^${name}:' "$1/etc/passwd" "$1/etc/group"; then echo 'user or group ${name} exists' >&2; exit 1; fi`,
      `if cut -d: -f3 "$1/etc/passwd" | grep -qx '${uid}' || cut -d: -f3 "$1/etc/group" | grep -qx '${gid}'; then echo 'uid ${uid} or gid ${gid} taken' >&2; exit 1; fi`,
      `printf '%s\\n' '${name}:x:${uid}:${gid}::${home}:/bin/bash' >> "$1/etc/passwd"`,
      `printf '%s\\n' '${name}:x:${gid}:' >> "$1/etc/group"`,
      `printf '%s\\n' '${name}:!:${lastChange}:0:99999:7:::' >> "$1/etc/shadow"`,
      `printf '%s\\n' '${name}:!::' >> "$1/etc/gshadow"`,
    ].join('\n'),
    `install -d -o ${uid} -g ${gid} -m 0755 "$1${home}" "$1/build"`,
    // mmdebstrap copies these from the host; fixed content keeps the rootfs host-independent.
    `: > "$1/etc/resolv.conf" && printf 'hbuild\\n' > "$1/etc/hostname"`,
    // apt leaves these owned by root instead of _apt when the staging directory is not
    // reachable by _apt (a 0700 parent); fix the owner so the rootfs does not depend on it.
    [
      'for d in /var/cache/apt/archives/partial /var/lib/apt/lists/partial; do',
      `  if [ -d "$1$d" ] && grep -q '^_apt:' "$1/etc/passwd"; then chroot "$1" chown _apt:root "$d"; fi`,
      'done',
    ].join('\n'),
    // No host or site pip configuration may steer builds to an index.
    `rm -f "$1/etc/pip.conf" "$1/etc/xdg/pip/pip.conf" "$1/root/.pip/pip.conf" "$1/root/.config/pip/pip.conf"`,
  ];
}

/** The full mmdebstrap argument list; pure so the command line is unit-tested. */
export function mmdebstrapArgs(recipe: ImageRecipe, mirror: string, output: string): string[] {
  return [
    '--mode=root',
    `--variant=${recipe.variant}`,
    '--format=tar',
    `--include=${recipe.packages.join(',')}`,
    // Snapshot mirrors serve Release files whose Valid-Until has long passed.
    '--aptopt=Acquire::Check-Valid-Until "false"',
    ...customizeHooks(recipe).map((hook) => `--customize-hook=${hook}`),
    recipe.suite,
    output,
    mirror,
  ];
}

/** mmdebstrap sees no host environment beyond what makes its output reproducible. */
export function mmdebstrapEnv(recipe: ImageRecipe, tmpDir: string): Record<string, string> {
  return {
    PATH: CLEAN_PATH,
    LC_ALL: 'C.UTF-8',
    TMPDIR: tmpDir,
    SOURCE_DATE_EPOCH: String(recipe['source-date-epoch']),
  };
}

export function assertMirror(mirror: string): void {
  let url: URL | undefined;
  try {
    url = new URL(mirror);
  } catch {
    url = undefined;
  }
  if (url === undefined || !['http:', 'https:', 'file:'].includes(url.protocol) || /\s/.test(mirror)) {
    throw new HbuildError('ERR_USAGE', `not a Debian mirror URI: '${mirror}'`, {
      hint: 'pass an http(s):// or file:// URI of a Debian archive',
    });
  }
}

/** Run mmdebstrap into `output`; on failure the error carries the tail of its log. */
export async function runMmdebstrap(
  recipe: ImageRecipe,
  opts: { mirror: string; output: string; tmpDir: string; log: ImageLog; signal?: AbortSignal },
): Promise<void> {
  assertMirror(opts.mirror);
  const args = mmdebstrapArgs(recipe, opts.mirror, opts.output);
  opts.log.debug({ args }, 'running mmdebstrap');
  const result = await execa('mmdebstrap', args, {
    env: mmdebstrapEnv(recipe, opts.tmpDir),
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    reject: false,
    ...(opts.signal === undefined ? {} : { cancelSignal: opts.signal }),
    forceKillAfterDelay: 30_000,
  });
  if (result.isCanceled) {
    throw new HbuildError('ERR_CANCELLED', 'image build cancelled', { cause: result });
  }
  if (result.failed) {
    const tail = String(result.all ?? '').split('\n').slice(-40).join('\n');
    const missing = (result.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    throw new HbuildError('ERR_IMAGE_BUILD', `mmdebstrap failed for suite ${recipe.suite}: ${result.shortMessage}`, {
      hint: missing ? 'install mmdebstrap (apt-get install mmdebstrap)' : 'see the mmdebstrap output in details.output',
      details: { exitCode: result.exitCode, output: tail },
    });
  }
}
