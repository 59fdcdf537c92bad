import { describe, expect, it } from 'vitest';
import { parseEngineFlag, parsePoolText, poolFromFlags } from '../../src/pool/index.js';
import { isHbuildError, type HbuildError } from '../../src/core/errors.js';

function expectHbuildError(fn: () => unknown, code: string, message?: RegExp): HbuildError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (!isHbuildError(thrown)) throw new Error(`expected an HbuildError, got ${String(thrown)}`);
  expect(thrown.code).toBe(code);
  if (message) expect(thrown.message).toMatch(message);
  return thrown;
}

const KEY = `SHA256:${'A'.repeat(43)}`;

describe('--engine', () => {
  it('reads a socket, a TLS engine and an SSH engine with their slots, certificates and host key', () => {
    const pool = poolFromFlags(['/var/run/docker.sock,slots=4', 'tcp://10.1.2.3:2376,certs=/etc/hb/b', `ssh://builder@host.example:2222,host-key=${KEY},slots=2`], {});

    expect(pool.members).toEqual([
      { name: 'unix:///var/run/docker.sock', address: { host: 'unix:///var/run/docker.sock' }, slots: 4 },
      { name: 'tcp://10.1.2.3:2376', address: { host: 'tcp://10.1.2.3:2376', certPath: '/etc/hb/b' }, slots: 1 },
      { name: 'ssh://builder@host.example:2222', address: { host: 'ssh://builder@host.example:2222', hostKey: KEY }, slots: 2 },
    ]);
  });

  it('takes the certificates of a TCP engine from DOCKER_CERT_PATH when the flag names none', () => {
    expect(parseEngineFlag('tcp://10.1.2.3:2376', { DOCKER_CERT_PATH: '/certs' }).address).toEqual({ host: 'tcp://10.1.2.3:2376', certPath: '/certs' });
  });

  it('refuses plain TCP, SSH without a host key, bad slots, unknown keys and an engine given twice', () => {
    expectHbuildError(() => parseEngineFlag('tcp://10.1.2.3:2375', {}), 'ERR_USAGE', /needs TLS client certificates/);
    expectHbuildError(() => parseEngineFlag('ssh://builder@host', {}), 'ERR_USAGE', /needs host-key=SHA256/);
    expectHbuildError(() => parseEngineFlag('/run/docker.sock,slots=0', {}), 'ERR_USAGE', /slots/);
    expectHbuildError(() => parseEngineFlag('/run/docker.sock,slots=two', {}), 'ERR_USAGE', /slots/);
    expectHbuildError(() => parseEngineFlag('/run/docker.sock,weight=2', {}), 'ERR_USAGE', /cannot read "weight=2"/);
    expectHbuildError(() => parseEngineFlag('http://10.1.2.3:2375', {}), 'ERR_USAGE', /not unix:\/\/, tcp:\/\/ or ssh:\/\//);
    expectHbuildError(() => poolFromFlags(['/run/docker.sock', 'unix:///run/docker.sock,slots=2'], {}), 'ERR_USAGE', /given twice/);
  });
});

describe('pool file', () => {
  it('reads engines, slots, the re-check interval and the build attempts', () => {
    const text = 'engines:\n  - address: /var/run/docker.sock\n    slots: 2\n  - address: tcp://10.1.2.3:2376\n    certs: /etc/hb/b\nrecheck-seconds: 5\nbuild-attempts: 2\n';

    const pool = parsePoolText('pool.yaml', text, {});

    expect(pool).toEqual({
      members: [
        { name: 'unix:///var/run/docker.sock', address: { host: 'unix:///var/run/docker.sock' }, slots: 2 },
        { name: 'tcp://10.1.2.3:2376', address: { host: 'tcp://10.1.2.3:2376', certPath: '/etc/hb/b' }, slots: 1 },
      ],
      recheckMs: 5000,
      attempts: 2,
    });
  });

  it('names the line of every problem at once: an unknown key, a bad slot count, plain TCP', () => {
    const text = 'engines:\n  - address: /var/run/docker.sock\n    slot: 2\n  - address: /run/b.sock\n    slots: 100\n';

    const err = expectHbuildError(() => parsePoolText('pool.yaml', text, {}), 'ERR_USAGE');

    expect(err.message).toContain('pool.yaml:3: engines[0].slot:');
    expect(err.message).toContain('pool.yaml:5: engines[1].slots:');
    const tcp = expectHbuildError(() => parsePoolText('pool.yaml', 'engines:\n  - address: /a.sock\n  - address: tcp://10.0.0.1:2375\n', {}), 'ERR_USAGE');
    expect(tcp.message).toMatch(/pool\.yaml:3: engines\[1\]\.address: tcp:\/\/10\.0\.0\.1:2375 needs TLS client certificates/);
  });

  it('refuses YAML aliases and an empty engine list', () => {
    expectHbuildError(() => parsePoolText('p.yaml', 'a: &x 1\nengines: *x\n', {}), 'ERR_USAGE', /aliases/);
    expectHbuildError(() => parsePoolText('p.yaml', 'engines: []\n', {}), 'ERR_USAGE', /p\.yaml:1: engines:/);
  });
});
