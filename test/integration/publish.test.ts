import { execa, type ResultPromise } from 'execa';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureLock, writeFixtureSdist } from '../fixtures/pkg.js';
import { BIN, hbuild, jsonLines } from '../helpers/spawn.js';
import { useTempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { builderRootfs, engine } from './harness.js';

// A real index server from the Python index (pypiserver, with passlib for its htpasswd file)
// in a venv of its own, on a random loopback port; real wheels built by hbuild from fixtures.

const USER = 'uploader';
const PASSWORD = 'pw-Ae7#not-in-any-log';

interface Manifest {
  packages: Array<{ name: string; version: string; wheel: { file: string; sha256: string } }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The environment of the machine without pip's and twine's settings, so only what a test passes counts. */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(PIP_|TWINE_|NETRC$|PYTHON_KEYRING)/.test(k)) env[k] = v;
  return { ...env, ...extra };
}

function publish(args: string[], env: Record<string, string>) {
  return execa(process.execPath, [BIN, 'publish', ...args], { reject: false, stdin: 'ignore', env, extendEnv: false });
}

describe('hbuild publish to a real pypiserver on loopback', () => {
  const tmp = useTempDir('publish', { per: 'suite' });
  let venv: string;
  let packagesDir: string;
  let url: string;
  let server: ResultPromise | undefined;
  let first: string;
  let second: string;
  let home: string;

  beforeAll(async () => {
    const rootfs = await builderRootfs(await engine());
    venv = join(tmp.path, 'venv');
    await execa('python3', ['-m', 'venv', venv]);
    // The machine's pip configuration names the Python index; pip reads it as usual.
    await execa(join(venv, 'bin', 'pip'), ['install', '--quiet', 'pypiserver', 'passlib', 'keyring', 'keyrings.alt'], { timeout: 480_000 });

    home = join(tmp.path, 'home');
    await mkdir(home);
    const sdists = join(tmp.path, 'src');
    await mkdir(sdists);
    const store = join(tmp.path, 'store');
    const lockA = join(sdists, 'a.yaml');
    const lockB = join(sdists, 'b.yaml');
    await writeFile(lockA, fixtureLock(rootfs, [await writeFixtureSdist(sdists, { name: 'fx-pub-a', version: '1.0' }), await writeFixtureSdist(sdists, { name: 'fx-pub-b', version: '2.0' })]));
    await writeFile(lockB, fixtureLock(rootfs, [await writeFixtureSdist(sdists, { name: 'fx-pub-c', version: '1.0' }), await writeFixtureSdist(sdists, { name: 'fx-pub-d', version: '1.0' })]));
    first = join(tmp.path, 'wh-a');
    second = join(tmp.path, 'wh-b');
    const keyEnv = { XDG_CONFIG_HOME: join(tmp.path, 'config') };
    for (const [lock, out] of [[lockA, first], [lockB, second]] as const) {
      const built = await execa(process.execPath, [BIN, 'build', lock, '--record', '--store', store, '--out', out], { reject: false, stdin: 'ignore', env: cleanEnv(keyEnv), extendEnv: false });
      expect(built.exitCode, built.stderr).toBe(0);
    }

    packagesDir = join(tmp.path, 'packages');
    await mkdir(packagesDir);
    const hash = await execa(join(venv, 'bin', 'python'), ['-c', 'import sys; from passlib.hash import apr_md5_crypt; print(apr_md5_crypt.hash(sys.argv[1]))', PASSWORD]);
    await writeFile(join(tmp.path, 'htpasswd'), `${USER}:${hash.stdout.trim()}\n`);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    // pypiserver redirects a project it does not have to its fallback index; that one is a closed
    // loopback port here, and publish must take the redirect as "not on this index" without following it.
    server = execa(join(venv, 'bin', 'pypi-server'), ['run', '-i', '127.0.0.1', '-p', String(port), '-P', join(tmp.path, 'htpasswd'), '-a', 'update', '--fallback-url', 'http://127.0.0.1:9/simple/', packagesDir], {
      reject: false,
      stdin: 'ignore',
      env: cleanEnv(),
      extendEnv: false,
    });
    await waitFor(async () => (await fetch(`${url}/simple/`).catch(() => undefined))?.ok === true, 60_000);
  });

  afterAll(async () => {
    server?.kill('SIGTERM');
    await server;
  });

  const auth = (): Record<string, string> => cleanEnv({ HOME: home, TWINE_USERNAME: USER, TWINE_PASSWORD: PASSWORD });

  it('uploads every wheel, then skips them all the second time, and pip installs them with --require-hashes', async () => {
    const manifest = JSON.parse(await readFile(join(first, 'manifest.json'), 'utf8')) as Manifest;

    const run = await publish([first, '--repository', `${url}/`, '--json'], auth());
    const again = await publish([first, '--repository', `${url}/`], auth());

    expect(run.exitCode, run.stderr).toBe(0);
    const result = jsonLines(run.stdout).find((e) => e.type === 'publish');
    expect(result.uploaded.sort()).toEqual(manifest.packages.map((p) => p.wheel.file).sort());
    expect(result.attestations).toEqual({ sent: false, reason: 'the index declares no repository version, older than PEP 740\'s 1.3, so it does not take attestations' });
    expect(result.credentials).toEqual({ username: USER, usernameFrom: 'environment', passwordFrom: 'environment' });
    expect((await readdir(packagesDir)).sort()).toEqual(manifest.packages.map((p) => p.wheel.file).sort());
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/publish: 0 uploaded, 2 already there/);
    for (const out of [run.stdout, run.stderr, again.stdout, again.stderr]) expect(out).not.toContain(PASSWORD);

    const target = join(tmp.path, 'install-venv');
    await execa('python3', ['-m', 'venv', target]);
    const requirements = join(tmp.path, 'requirements.txt');
    await writeFile(requirements, manifest.packages.map((p) => `${p.name}==${p.version} --hash=sha256:${p.wheel.sha256}\n`).join(''));
    const pip = await execa(join(target, 'bin', 'pip'), ['install', '--isolated', '--require-hashes', '--index-url', `${url}/simple/`, '-r', requirements], { reject: false, env: cleanEnv(), extendEnv: false });
    expect(pip.exitCode, pip.stderr).toBe(0);
    expect(pip.stdout).toContain(`Looking in indexes: ${url}/simple/`);
    const imported = await execa(join(target, 'bin', 'python'), ['-c', 'import fx_pub_a, fx_pub_b; print(fx_pub_a.VERSION, fx_pub_b.VERSION)']);
    expect(imported.stdout).toBe('1.0 2.0');
  });

  it('takes the password from the keyring command when the environment has none', async () => {
    const keyringEnv = { PATH: `${join(venv, 'bin')}:${process.env.PATH ?? ''}`, PYTHON_KEYRING_BACKEND: 'keyrings.alt.file.PlaintextKeyring', XDG_DATA_HOME: join(tmp.path, 'keyring-data'), HOME: home };
    const stored = await execa(join(venv, 'bin', 'keyring'), ['set', `${url}/`, USER], { input: `${PASSWORD}\n`, env: cleanEnv(keyringEnv), extendEnv: false });
    expect(stored.exitCode).toBe(0);

    const run = await publish([first, '--repository', `${url}/`, '--username', USER], cleanEnv(keyringEnv));
    const none = await publish([first, '--repository', `${url}/`, '--username', USER], cleanEnv({ HOME: home, PATH: '/usr/bin:/bin' }));

    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/as uploader \(password from keyring\)/);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/no password for user uploader for http:\/\/127\.0\.0\.1:\d+\/: looked in TWINE_PASSWORD, the URL, netrc and the keyring \(the `keyring` command is not installed\)/);
  });

  it('reports refused credentials with exit 1 and never prints the password', async () => {
    const wrong = `${PASSWORD}-wrong`;

    const run = await publish([second, '--repository', `${url}/`], cleanEnv({ HOME: home, TWINE_USERNAME: USER, TWINE_PASSWORD: wrong }));

    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/refused the credentials of user uploader \(40[13]/);
    expect(run.stderr).not.toContain(wrong);
    expect(run.stdout).not.toContain(wrong);
    expect(await readdir(packagesDir)).toHaveLength(2);
  });

  it('reads netrc for the repository host, and TWINE_REPOSITORY_URL for --repository', async () => {
    const netrc = join(tmp.path, 'netrc');
    await writeFile(netrc, `machine 127.0.0.1 login ${USER} password ${PASSWORD}\n`, { mode: 0o600 });

    const run = await publish([first, '--dry-run'], cleanEnv({ HOME: home, NETRC: netrc, TWINE_REPOSITORY_URL: `${url}/` }));
    const real = await publish([first, '--repository', `${url}/`], cleanEnv({ HOME: home, NETRC: netrc }));

    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain('publish (dry run): 0 uploaded, 2 already there');
    expect(real.exitCode, real.stderr).toBe(0);
    expect(real.stderr).toMatch(/as uploader \(password from netrc\)/);
  });

  it('refuses the whole publish when the index has another file under a wheel\'s name, uploading nothing', async () => {
    const manifest = JSON.parse(await readFile(join(second, 'manifest.json'), 'utf8')) as Manifest;
    // The clash is on the later wheel, so an upload in order that stopped at the clash would already have sent the first.
    const [c, d] = [...manifest.packages].sort((x, y) => (x.wheel.file < y.wheel.file ? -1 : 1)) as [Manifest['packages'][0], Manifest['packages'][0]];
    await cp(join(first, (await readdir(first)).find((f) => f.endsWith('.whl')) as string), join(packagesDir, d.wheel.file));

    const run = await publish([second, '--repository', `${url}/`], auth());

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain(`already has a file of the same name with other content; nothing was uploaded`);
    expect(run.stderr).toContain(`${d.wheel.file}: the index has sha256`);
    expect(run.stderr).toContain(`this wheelhouse ${d.wheel.sha256}`);
    expect(await readdir(packagesDir)).not.toContain(c.wheel.file);
  });

  it('refuses a wheelhouse whose wheel no longer matches its records, before contacting the index', async () => {
    const copy = join(tmp.path, 'wh-tampered');
    await cp(first, copy, { recursive: true });
    const wheel = (await readdir(copy)).find((f) => f.endsWith('.whl')) as string;
    const bytes = await readFile(join(copy, wheel));
    bytes.writeUInt8((bytes.readUInt8(bytes.length - 30) ^ 0xff), bytes.length - 30);
    await writeFile(join(copy, wheel), bytes);

    const run = await publish([copy, '--repository', 'http://127.0.0.1:9/'], auth());

    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain(`not publishing ${copy}: ${wheel} has sha256`);
  });

  it('answers --help and refuses plain http to another host', async () => {
    const help = await hbuild(['publish', '--help']);
    const insecure = await hbuild(['publish', first, '--repository', 'http://index.invalid/upload/']);

    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain('hbuild publish WHEELHOUSE --repository URL');
    expect(insecure.exitCode).toBe(2);
    expect(insecure.stderr).toContain('is plain http to another host');
  });
});
