import { availableParallelism } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { VARIATION_NAMES } from '../../src/verify/variations.js';
import { verifyLock } from '../../src/pipeline/verify-lock.js';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { readZipEntry } from '../fixtures/zip-read.js';
import { tempDir } from '../helpers/tmp.js';
import { builderRootfs, engine } from './harness.js';
import { createEngine } from '../../src/engine/index.js';

/** Runs inside the backend, in the frontend's interpreter; `date` runs one process further down. */
const PROBE_HOOK = `
import getpass, locale, os, platform, socket, subprocess, time
mask = os.umask(0)
os.umask(mask)
report("cwd", os.getcwd())
report("host", socket.gethostname() + " " + open("/proc/sys/kernel/domainname").read().strip())
report("home", os.environ["HOME"])
report("path", ":".join(p for p in os.environ["PATH"].split(":") if not p.startswith("/tmp/pip-build-env-")))
report("user", "%d:%d %s" % (os.getuid(), os.getgid(), getpass.getuser() if "USER" in os.environ else "-"))
report("umask", oct(mask))
report("tz", time.strftime("%z", time.localtime(0)))
report("codeset", locale.nl_langinfo(locale.CODESET))
report("cpus", str(len(os.sched_getaffinity(0))))
report("year", time.strftime("%Y") + " " + subprocess.run(["date", "+%Y"], capture_output=True, text=True).stdout.strip())
report("env", ",".join(k for k in os.environ if k in ("HOME", "LANG", "PATH", "TZ")))
report("kernel", platform.release())
`;

const PROBES = ['cwd', 'host', 'home', 'path', 'user', 'umask', 'tz', 'codeset', 'cpus', 'year', 'env', 'kernel'] as const;

async function probes(wheel: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of PROBES) out[name] = await readZipEntry(wheel, `fx_vprobe/_probe/${name}.txt`);
  return out;
}

describe('verification variations against the real engine', () => {
  let rootfs: string;

  beforeAll(async () => {
    rootfs = await builderRootfs(await engine());
  });

  it('puts every variation into effect inside the backend and its subprocesses, blames each one alone, and finds every leaked sentinel', async () => {
    const dir = await tempDir('verify-probe');
    const sdist = await writeFixtureSdist(dir, { name: 'fx-vprobe', version: '1.0', hook: PROBE_HOOK });
    await writeFile(join(dir, 'lock.yaml'), fixtureLock(rootfs, [sdist]));
    const year = new Date().getUTCFullYear();

    const result = await verifyLock({
      lockPath: join(dir, 'lock.yaml'),
      storeRoot: join(dir, 'store'),
      sdistDirs: [],
      engine: createEngine(),
      jobs: 2,
      log: pino({ level: 'silent' }),
      emit: () => undefined,
      signal: new AbortController().signal,
    });

    const pkg = result.packages[0];
    const s = result.sentinels;
    const [control, varied] = [pkg?.builds[0], pkg?.builds[1]];
    const standard = await probes(join(result.reportDir, control?.kept?.wheel ?? 'missing'));
    const changed = await probes(join(result.reportDir, varied?.kept?.wheel ?? 'missing'));
    expect(standard).toMatchObject({ cwd: '/build/src', host: 'builder invalid', home: '/build/home', user: '1000:1000 -', umask: '0o22', tz: '+0000', codeset: 'UTF-8' });
    expect(standard.year).toMatch(new RegExp(`^(${year}|${year + 1}) (${year}|${year + 1})$`));
    expect(changed).toMatchObject({ cwd: `/build/${s.buildPath}/src`, host: `${s.hostname} ${s.domainname}`, home: `/build/${s.home}`, user: `1234:1234 ${s.userName}`, umask: '0o2', tz: '+1400', codeset: 'ANSI_X3.4-1968', cpus: '1' });
    expect(changed.path).toBe(`${standard.path}:/${s.execPath}/bin`);
    const [fakeYear, fakeYearOfChild] = (changed.year ?? '').split(' ').map(Number);
    expect(fakeYear).toBeGreaterThan(year);
    expect(fakeYearOfChild).toBe(fakeYear);
    expect(changed.env).toBe(standard.env?.split(',').reverse().join(','));
    expect(changed.kernel).toMatch(/^2\.6\./);
    expect(standard.kernel).not.toMatch(/^2\.6\./);
    const expectedCulprits = VARIATION_NAMES.filter((v) => v !== 'file-order' && (v !== 'cpus' || availableParallelism() > 1));
    expect(pkg).toMatchObject({ status: 'differed', reproducible: false, culprits: expectedCulprits });
    expect(new Set(pkg?.leaks.map((l) => `${l.kind} ${l.entry}`))).toEqual(
      new Set([
        'build path fx_vprobe/_probe/cwd.txt',
        'host name fx_vprobe/_probe/host.txt',
        'domain name fx_vprobe/_probe/host.txt',
        'HOME fx_vprobe/_probe/home.txt',
        'PATH entry fx_vprobe/_probe/path.txt',
        'user name fx_vprobe/_probe/user.txt',
      ]),
    );
  });
});
