import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isHbuildError, type HbuildError } from '../../src/core/errors.js';
import { lockProject } from '../../src/resolve/lock-project.js';
import { readLock } from '../../src/lockfile/read.js';
import { fakeProbe, fakeWheel, makeSdist, sha256Hex, startFakeIndex, unitLockOptions, type FakeIndex } from '../fixtures/index-server.js';
import { useTempDir } from '../helpers/tmp.js';

let index: FakeIndex;
const tmp = useTempDir('lock-rules');

beforeEach(async () => {
  index = await startFakeIndex();
});
afterEach(async () => {
  await index.close();
});

async function input(text: string, name = 'requirements.txt'): Promise<string> {
  const path = join(tmp.path, name);
  await writeFile(path, text);
  return path;
}

async function refusal(text: string, overrides: Parameters<typeof unitLockOptions>[3] = {}, name?: string): Promise<HbuildError> {
  const error = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await input(text, name), ...overrides })).catch((e: unknown) => e);
  if (!isHbuildError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}

async function lockExists(): Promise<boolean> {
  return readFile(join(tmp.path, 'lock.yaml')).then(
    () => true,
    () => false,
  );
}

describe('sdist pins', () => {
  it('pins the sha256 the index lists and that the downloaded bytes hash to, with size and upload time', async () => {
    const sdist = await makeSdist('pkg', '1.0');
    index.add('pkg', { ...sdist, uploadTime: '2024-05-29T15:37:49.536140Z' });

    const result = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await input('pkg==1.0\n') }));

    expect(result.packages[0]?.sdist).toEqual({ file: 'pkg-1.0.tar.gz', sha256: sha256Hex(sdist.content), size: sdist.content.length, uploadTime: '2024-05-29T15:37:49.536140Z' });
  });

  it('refuses an sdist whose served bytes differ from the listed sha256, storing nothing', async () => {
    const sdist = await makeSdist('pkg', '1.0');
    index.add('pkg', { ...sdist, served: Buffer.concat([sdist.content, Buffer.from('tampered')]) });

    const error = await refusal('pkg==1.0\n');

    expect(error.code).toBe('ERR_HASH_MISMATCH');
    expect(error.message).toContain(`the index lists pkg-1.0.tar.gz with sha256 ${sha256Hex(sdist.content)}, but served bytes hashing to`);
    expect(await lockExists()).toBe(false);
  });

  it('refuses a file the index lists with a wrong size, or with no sha256 at all', async () => {
    index.add('sized', { ...(await makeSdist('sized', '1.0')), listedSize: 12 });
    index.add('unhashed', { ...(await makeSdist('unhashed', '1.0')), listedSha256: null });

    const error = await refusal('sized==1.0\nunhashed==1.0\n');

    expect(error.code).toBe('ERR_HASH_MISMATCH');
    expect(error.message).toContain('sized-1.0.tar.gz is ');
    expect(error.message).toContain('bytes, but the index lists 12');
    expect(error.message).toContain('unhashed-1.0.tar.gz has no sha256 on the index');
  });

  it('reports a version that publishes only wheels, with what to do', async () => {
    index.add('wheelonly', fakeWheel('wheelonly', '1.0'));

    const error = await refusal('wheelonly==1.0\n');

    expect(error.code).toBe('ERR_USAGE');
    expect(error.message).toContain('no .tar.gz sdist is published (only wheels)');
    expect(error.hint).toContain('pin a version that publishes a .tar.gz sdist');
  });

  it('refuses when the index now lists other bytes than the current lock pins for the same file', async () => {
    const sdist = await makeSdist('pkg', '1.0');
    index.add('pkg', sdist);
    await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await input('pkg==1.0\n') }));
    index.projects.set('pkg', [{ filename: sdist.filename, content: Buffer.concat([sdist.content, Buffer.from('x')]) }]);

    const error = await refusal('pkg==1.0\n');

    expect(error.code).toBe('ERR_HASH_MISMATCH');
    expect(error.message).toContain(`the lock pins pkg-1.0.tar.gz with sha256 ${sha256Hex(sdist.content)}`);
  });
});

describe('input hashes', () => {
  it('accepts --hash lines that include the sdist hash the index lists', async () => {
    const sdist = await makeSdist('pkg', '1.0');
    const wheel = fakeWheel('pkg', '1.0');
    index.add('pkg', sdist, wheel);

    const result = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await input(`pkg==1.0 --hash=sha256:${sha256Hex(wheel.content)} --hash=sha256:${sha256Hex(sdist.content)}\n`) }));

    expect(result.packages[0]?.sdist.sha256).toBe(sha256Hex(sdist.content));
  });

  it('refuses a hash that matches no file of that version, and hashes that vouch only for wheels', async () => {
    const wheel = fakeWheel('wheels', '1.0');
    index.add('unknown', await makeSdist('unknown', '1.0'));
    index.add('wheels', await makeSdist('wheels', '1.0'), wheel);

    const error = await refusal(`unknown==1.0 --hash=sha256:${'f'.repeat(64)}\nwheels==1.0 --hash=sha256:${sha256Hex(wheel.content)}\n`);

    expect(error.code).toBe('ERR_HASH_MISMATCH');
    expect(error.message).toContain(`unknown==1.0 (${join(tmp.path, 'requirements.txt')}:1): 1 of its hashes match no file the index lists for this version: ${'f'.repeat(64)}`);
    expect(error.message).toContain('wheels==1.0 (');
    expect(error.message).toContain('the input vouches only for wheels');
  });

  it('refuses a pylock.toml whose recorded sdist hash differs from the index', async () => {
    index.add('pkg', await makeSdist('pkg', '1.0'));

    const error = await refusal(`lock-version = "1.0"\n[[packages]]\nname = "pkg"\nversion = "1.0"\nsdist = { name = "pkg-1.0.tar.gz", hashes = { sha256 = "${'e'.repeat(64)}" } }\n`, {}, 'pylock.toml');

    expect(error.code).toBe('ERR_HASH_MISMATCH');
    expect(error.message).toContain(`the input records sdist sha256 ${'e'.repeat(64)}`);
  });
});

describe('quarantine and yanked files', () => {
  it('refuses an sdist younger than --min-age (default 7 days) and accepts it with --min-age 0', async () => {
    index.add('fresh', { ...(await makeSdist('fresh', '1.0')), uploadTime: '2024-12-29T12:00:00Z' });

    const error = await refusal('fresh==1.0\n');
    const accepted = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await input('fresh==1.0\n'), minAgeDays: 0 }));

    expect(error.code).toBe('ERR_VET_BLOCKED');
    expect(error.message).toContain('fresh-1.0.tar.gz was uploaded 2024-12-29T12:00:00Z, 2 days ago, younger than the 7-day quarantine');
    expect(accepted.packages.map((p) => p.name)).toEqual(['fresh']);
  });

  it('fails closed when the upload time is missing', async () => {
    index.add('timeless', { ...(await makeSdist('timeless', '1.0')), uploadTime: null });

    const error = await refusal('timeless==1.0\n');

    expect(error.code).toBe('ERR_VET_BLOCKED');
    expect(error.message).toContain('has no upload time on the index');
  });

  it('refuses a yanked sdist even when pinned exactly', async () => {
    index.add('withdrawn', { ...(await makeSdist('withdrawn', '1.0')), yanked: 'security issue' });

    const error = await refusal('withdrawn==1.0\n');

    expect(error.code).toBe('ERR_VET_BLOCKED');
    expect(error.message).toContain('withdrawn-1.0.tar.gz is yanked');
  });

  it('records an exemption with its reason and expiry, keeps it while it lasts, and refuses again once it expires', async () => {
    index.add('fresh', { ...(await makeSdist('fresh', '1.0')), uploadTime: '2024-12-30T00:00:00Z' });
    const path = await input('fresh==1.0\n');
    const exempt = { names: ['fresh'], reason: 'CVE fix we need now', expires: '2025-01-15' };

    await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: path, exempt }));
    const kept = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: path, check: true, now: new Date('2025-01-05T00:00:00Z') }));
    const expired = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: path, now: new Date('2025-01-16T00:00:00Z'), minAgeDays: 30 })).catch((e: unknown) => e);
    const loaded = await readLock(join(tmp.path, 'lock.yaml'));

    expect(loaded.lock.packages[0]?.['quarantine-exemption']).toEqual({ reason: 'CVE fix we need now', expires: '2025-01-15' });
    expect(kept.changed).toBe(false);
    expect(isHbuildError(expired, 'ERR_VET_BLOCKED')).toBe(true);
  });

  it('skips young and yanked versions when resolving build requirements', async () => {
    index.add('app', await makeSdist('app', '1.0', { requires: ['tool'] }));
    index.add('tool', await makeSdist('tool', '1.0', { backendPath: ['.'] }));
    index.add('tool', { ...(await makeSdist('tool', '2.0', { backendPath: ['.'] })), yanked: true });
    index.add('tool', { ...(await makeSdist('tool', '3.0', { backendPath: ['.'] })), uploadTime: '2024-12-31T00:00:00Z' });

    const result = await lockProject(unitLockOptions(index, tmp.path, fakeProbe().probe, { input: await input('app==1.0\n') }));

    expect(result.packages.map((p) => `${p.name} ${p.version}`)).toEqual(['app 1.0', 'tool 1.0']);
  });

  it('reports every refused input pin together, with the most severe code', async () => {
    index.add('young', { ...(await makeSdist('young', '1.0')), uploadTime: '2024-12-31T00:00:00Z' });
    index.add('bad', { ...(await makeSdist('bad', '1.0')), listedSize: 1 });

    const error = await refusal('young==1.0\nbad==1.0\nabsent==1.0\n');

    expect(error.code).toBe('ERR_HASH_MISMATCH');
    expect(error.message.split('\n')).toHaveLength(4);
    expect(error.message).toMatch(/^the lock cannot be made \(3 problems\):/);
  });
});
