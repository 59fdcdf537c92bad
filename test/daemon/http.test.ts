import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { daemonEndpoint } from '../../src/daemon/client.js';
import { bearerMatches, readTokenFile } from '../../src/daemon/http/auth.js';
import { parseTcpAddress } from '../../src/daemon/http/listen.js';
import { SubmitRequest } from '../../src/daemon/schema.js';
import { useTempDir } from '../helpers/tmp.js';

describe('daemon transport rules', () => {
  const tmp = useTempDir('daemon-http', { per: 'suite' });

  it.each([
    ['127.0.0.1:7420', { host: '127.0.0.1', port: 7420 }],
    ['127.1.2.3:0', { host: '127.1.2.3', port: 0 }],
    ['[::1]:80', { host: '::1', port: 80 }],
  ])('listens on loopback %s', (text, expected) => {
    expect(parseTcpAddress(text)).toEqual(expected);
  });

  it.each(['0.0.0.0:7420', '192.168.1.10:80', '[::]:80', 'localhost:80', '[::ffff:127.0.0.1]:80'])('refuses to listen on %s without TLS', (text) => {
    expect(() => parseTcpAddress(text)).toThrow(/refusing to listen on .*: only loopback addresses/);
  });

  it.each(['127.0.0.1', '127.0.0.1:99999', ':80', '127.0.0.1:80:80'])('refuses the malformed address %s', (text) => {
    expect(() => parseTcpAddress(text)).toThrow(/cannot read TCP address|refusing/);
  });

  it('matches a bearer token exactly', () => {
    const token = 'a'.repeat(40);

    const results = [
      bearerMatches(`Bearer ${token}`, token),
      bearerMatches(`Bearer ${token}x`, token),
      bearerMatches(`Bearer ${token.slice(1)}`, token),
      bearerMatches(`bearer ${token}`, token),
      bearerMatches(token, token),
      bearerMatches(undefined, token),
      bearerMatches('Bearer ', ''),
    ];

    expect(results).toEqual([true, false, false, false, false, false, false]);
  });

  it('reads a private token file and refuses weak or shared ones', async () => {
    const good = join(tmp.path, 'good');
    await writeFile(good, `${'k'.repeat(43)}\n`, { mode: 0o600 });
    const shared = join(tmp.path, 'shared');
    await writeFile(shared, 'k'.repeat(43), { mode: 0o600 });
    await chmod(shared, 0o640);
    const short = join(tmp.path, 'short');
    await writeFile(short, 'secret', { mode: 0o600 });

    expect(await readTokenFile(good)).toBe('k'.repeat(43));
    await expect(readTokenFile(shared)).rejects.toThrow(/readable by others \(mode 640\)/);
    await expect(readTokenFile(short)).rejects.toThrow(/at least 32 printable characters/);
    await expect(readTokenFile(join(tmp.path, 'none'))).rejects.toThrow(/cannot open it \(ENOENT\)/);
  });

  it('finds the daemon from HBUILD_DAEMON, loopback only, with a token for TCP', () => {
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };

    expect(daemonEndpoint(undefined, env)).toMatchObject({ socketPath: '/run/user/1000/hbuild/daemon.sock' });
    expect(daemonEndpoint('unix:///tmp/d.sock', env)).toMatchObject({ socketPath: '/tmp/d.sock' });
    expect(daemonEndpoint('http://127.0.0.1:7420', { HBUILD_DAEMON_TOKEN: 't' })).toMatchObject({ host: '127.0.0.1', port: 7420, token: 't' });
    expect(() => daemonEndpoint('http://127.0.0.1:7420', {})).toThrow(/HBUILD_DAEMON_TOKEN is not set/);
    expect(() => daemonEndpoint('http://10.0.0.2:7420', { HBUILD_DAEMON_TOKEN: 't' })).toThrow(/only a loopback address/);
    expect(() => daemonEndpoint('https://127.0.0.1:7420', { HBUILD_DAEMON_TOKEN: 't' })).toThrow(/only unix: and http:/);
  });

  it('accepts only well-formed job requests', () => {
    const ok = SubmitRequest.safeParse({ kind: 'build', lock: { path: '/r/lock.yaml' }, options: { record: true, only: ['a-b'], jobs: 2, target: 'py313' } });
    const bad = [
      { kind: 'build', lock: { content: 'x' }, options: { target: '../py313' } },
      { kind: 'build', lock: { path: '/r/lock.yaml', content: 'x' } },
      { kind: 'build', lock: { path: 'relative.yaml' } },
      { kind: 'build', lock: { path: '/r/\n.yaml' } },
      { kind: 'build', lock: { content: 'x' }, options: { only: ['../x'] } },
      { kind: 'build', lock: { content: 'x' }, options: { jobs: 0 } },
      { kind: 'build', lock: { content: 'x' }, options: { env: { A: '1' } } },
      { kind: 'shell', lock: { content: 'x' } },
      [],
    ].map((body) => SubmitRequest.safeParse(body).success);

    expect(ok.success && ok.data.options).toEqual({ record: true, only: ['a-b'], jobs: 2, target: 'py313' });
    expect(bad.every((accepted) => !accepted)).toBe(true);
  });
});
