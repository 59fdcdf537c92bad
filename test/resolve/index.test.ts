import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHbuildError } from '../../src/core/errors.js';
import { findProjectFiles } from '../../src/fetch/index-client.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { loadNetrc, parseNetrc } from '../../src/fetch/netrc.js';
import { fakeProbe, fakeWheel, makeSdist, sha256Hex, startFakeIndex, unitLockOptions, type FakeIndex } from '../fixtures/index-server.js';
import { useTempDir } from '../helpers/tmp.js';

const tmp = useTempDir('lock-index');
const servers: FakeIndex[] = [];
const signal = new AbortController().signal;

async function server(options?: Parameters<typeof startFakeIndex>[0]): Promise<FakeIndex> {
  const index = await startFakeIndex(options);
  servers.push(index);
  return index;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function requirements(text: string): Promise<string> {
  const path = join(tmp.path, 'requirements.txt');
  await writeFile(path, text);
  return path;
}

describe('index client', () => {
  it('reads PEP 691 JSON with the PEP 700 fields: upload time, size, yanked, requires-python', async () => {
    const index = await server();
    const sdist = await makeSdist('pkg', '1.0');
    index.add('pkg', { ...sdist, uploadTime: '2024-05-29T15:37:49.536140Z', requiresPython: '>=3.8' }, { ...fakeWheel('pkg', '0.9'), yanked: 'broken' });

    const files = await findProjectFiles(index.url, 'pkg', signal);

    expect(index.requests[0]?.headers.accept).toContain('application/vnd.pypi.simple.v1+json');
    expect(files).toEqual([
      { filename: 'pkg-1.0.tar.gz', url: `${index.url.replace('/simple/', '/files/')}pkg-1.0.tar.gz`, sha256: sha256Hex(sdist.content), size: sdist.content.length, uploadTime: '2024-05-29T15:37:49.536140Z', yanked: false, requiresPython: '>=3.8' },
      expect.objectContaining({ filename: 'pkg-0.9-py3-none-any.whl', yanked: true }),
    ]);
  });

  it('falls back to PEP 503 HTML, reading sha256 fragments, data-yanked and data-requires-python', async () => {
    const index = await server({ htmlOnly: true });
    const sdist = await makeSdist('pkg', '1.0');
    index.add('pkg', { ...sdist, requiresPython: '>=3.8,<4' }, { ...(await makeSdist('pkg', '0.9')), yanked: true });

    const files = await findProjectFiles(index.url, 'pkg', signal);

    expect(files?.map((f) => [f.filename, f.sha256 === sha256Hex(sdist.content) ? 'hash' : f.sha256?.slice(0, 4), f.yanked, f.requiresPython ?? null, f.uploadTime ?? null])).toEqual([
      ['pkg-1.0.tar.gz', 'hash', false, '>=3.8,<4', null],
      ['pkg-0.9.tar.gz', expect.any(String), true, null, null],
    ]);
  });

  it('treats a 404 as "not served" and ignores malformed hashes and times', async () => {
    const index = await server();
    index.add('pkg', { ...(await makeSdist('pkg', '1.0')), listedSha256: 'not-a-hash', uploadTime: 'yesterday' });

    const missing = await findProjectFiles(index.url, 'nothing', signal);
    const files = await findProjectFiles(index.url, 'pkg', signal);

    expect(missing).toBeNull();
    expect(files?.[0]?.sha256).toBeUndefined();
    expect(files?.[0]?.uploadTime).toBeUndefined();
  });

  it('an HTML-only index gives no upload time, so the quarantine fails closed', async () => {
    const index = await server({ htmlOnly: true });
    index.add('pkg', await makeSdist('pkg', '1.0'));

    const error = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await requirements('pkg==1.0\n') })).catch((e: unknown) => e);

    expect(isHbuildError(error, 'ERR_VET_BLOCKED')).toBe(true);
    expect((error as Error).message).toContain('has no upload time on the index');
  });
});

describe('index credentials', () => {
  it('sends credentials from the URL as Basic auth, and writes them nowhere: not the lock, not an error', async () => {
    const index = await server({ auth: { login: 'ci', password: 's3cr3t-token' } });
    index.add('pkg', await makeSdist('pkg', '1.0'));
    index.add('flit-core', await makeSdist('flit-core', '3.9.0', { backendPath: ['.'] }));
    const withAuth = index.url.replace('http://', 'http://ci:s3cr3t-token@');
    index.add('other', await makeSdist('other', '1.0', { requires: ['flit-core'] }));

    const unreachable = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await requirements('pkg==1.0\n'), indexUrls: [withAuth, 'http://127.0.0.1:9/simple/'] })).catch((e: unknown) => e);
    const failed = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await requirements('missing==1.0\n'), indexUrls: [withAuth] })).catch((e: unknown) => e);
    const good = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await requirements('pkg==1.0\nother==1.0\n'), indexUrls: [withAuth] }));
    const text = await readFile(join(tmp.path, 'lock.yaml'), 'utf8');

    expect(isHbuildError(unreachable, 'ERR_FETCH')).toBe(true);
    expect(JSON.stringify({ message: (unreachable as Error).message, details: (unreachable as { details: unknown }).details })).not.toContain('s3cr3t');
    expect((failed as Error).message).not.toContain('s3cr3t');
    expect(good.packages.map((p) => p.name)).toEqual(['flit-core', 'other', 'pkg']);
    expect(text).not.toContain('s3cr3t');
    expect(index.requests.every((r) => r.headers.authorization === `Basic ${Buffer.from('ci:s3cr3t-token').toString('base64')}`)).toBe(true);
  });

  it('reads credentials from netrc for the index host', async () => {
    const index = await server({ auth: { login: 'robot', password: 'from-netrc' } });
    index.add('pkg', await makeSdist('pkg', '1.0'));
    const netrc = join(tmp.path, 'netrc');
    await writeFile(netrc, '# team index\nmachine elsewhere.invalid login x password y\nmachine 127.0.0.1\n  login robot\n  password from-netrc\n');

    const credentialsFor = await loadNetrc({ NETRC: netrc });
    const result = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await requirements('pkg==1.0\n'), credentialsFor }));

    expect(result.packages.map((p) => p.name)).toEqual(['pkg']);
    expect(index.requests.length).toBeGreaterThan(0);
    expect(index.requests.every((r) => r.headers.authorization === `Basic ${Buffer.from('robot:from-netrc').toString('base64')}`)).toBe(true);
  });

  it('parses netrc machine, default and macdef entries', () => {
    const netrc = parseNetrc('machine a.invalid login u1 password p1\nmacdef init\n  machine evil login e password e\n\ndefault login anon password "two words"\n');

    expect(netrc.machines.get('a.invalid')).toEqual({ login: 'u1', password: 'p1' });
    expect(netrc.machines.has('evil')).toBe(false);
    expect(netrc.fallback).toEqual({ login: 'anon', password: 'two words' });
  });
});

describe('one index per package', () => {
  it('refuses a name that two configured indexes serve, naming both', async () => {
    const internal = await server();
    const publicIndex = await server();
    internal.add('company-utils', await makeSdist('company-utils', '1.0'));
    publicIndex.add('company-utils', await makeSdist('company-utils', '99.0'));

    const error = await lockProject(
      unitLockOptions(internal, tmp.path, fakeProbe().probe, { input: await requirements('company-utils==1.0\n'), indexUrls: [internal.url, publicIndex.url] }),
    ).catch((e: unknown) => e);

    expect(isHbuildError(error, 'ERR_VET_BLOCKED')).toBe(true);
    expect((error as Error).message).toBe(`company-utils is served by more than one index: ${internal.url}, ${publicIndex.url}`);
  });

  it('accepts it when pinned to one index, records index: for every entry, and keeps the pin on the next run', async () => {
    const internal = await server();
    const publicIndex = await server();
    internal.add('company-utils', await makeSdist('company-utils', '1.0'));
    publicIndex.add('company-utils', await makeSdist('company-utils', '99.0'));
    publicIndex.add('idna', await makeSdist('idna', '3.10'));
    const input = await requirements('company-utils==1.0\nidna==3.10\n');
    const options = unitLockOptions(internal, tmp.path, fakeProbe().probe, { input, indexUrls: [internal.url, publicIndex.url] });

    const first = await lockProject({ ...options, pinIndex: { 'Company_Utils': internal.url } });
    const again = await lockProject({ ...options, check: true });

    expect(first.packages.map((p) => `${p.name} ${p.index}`)).toEqual([`company-utils ${internal.url}`, `idna ${publicIndex.url}`]);
    expect(again.changed).toBe(false);
  });
});
