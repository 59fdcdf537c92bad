import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { dockerArchitecture, imageTag, packImageArchive, planImageArchive } from '../../src/image/archive.js';
import { drainEngineMessages } from '../../src/engine/image-load.js';
import type { ImageRecipe } from '../../src/image/schema.js';
import { sha256 } from '../../src/core/digest.js';
import { useTempDir } from '../helpers/tmp.js';

const recipe: ImageRecipe = {
  suite: 'bookworm',
  variant: 'apt',
  python: '3.11.2',
  'source-date-epoch': 1700000000,
  packages: ['python3'],
  user: { name: 'builder', uid: 1000, gid: 1000 },
};
const rootfs = Buffer.from('not really a tar, but bytes are bytes'.repeat(5000));
const digest = `sha256:${sha256(rootfs)}`;
const tmp = useTempDir('archive');

async function entries(stream: Readable): Promise<Map<string, { data: Buffer; mtime: number; type: string }>> {
  const out = new Map<string, { data: Buffer; mtime: number; type: string }>();
  const ex = extract();
  const done = (async () => {
    for await (const entry of ex) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      out.set(entry.header.name, { data: Buffer.concat(chunks), mtime: entry.header.mtime.getTime(), type: entry.header.type });
    }
  })();
  stream.pipe(ex);
  await done;
  return out;
}

describe('planImageArchive', () => {
  it('names the config by its digest and pins the rootfs as the only diff_id', () => {
    const plan = planImageArchive(recipe, 'default', digest, 'amd64');

    const config = JSON.parse(plan.configBytes.toString('utf8'));
    expect(plan.imageId).toBe(`sha256:${sha256(plan.configBytes)}`);
    expect(plan.configName).toBe(`${sha256(plan.configBytes)}.json`);
    expect(plan.tag).toBe(`hbuild-builder/default:${digest.slice(7, 19)}`);
    expect(config).toEqual({
      architecture: 'amd64',
      os: 'linux',
      created: '2023-11-14T22:13:20.000Z',
      config: {
        User: '1000:1000',
        WorkingDir: '/build',
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C.UTF-8'],
        Labels: { 'org.hbuild.image': 'default', 'org.hbuild.rootfs': digest },
      },
      rootfs: { type: 'layers', diff_ids: [digest] },
      history: [],
    });
    expect(JSON.parse(plan.manifestBytes.toString('utf8'))).toEqual([
      { Config: plan.configName, RepoTags: [plan.tag], Layers: [`${digest.slice(7)}/layer.tar`] },
    ]);
  });

  it('gives the same image ID for the same inputs and another for another rootfs', () => {
    const other = `sha256:${'0'.repeat(64)}`;

    const ids = [digest, digest, other].map((d) => planImageArchive(recipe, 'default', d, 'amd64').imageId);

    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('refuses a malformed rootfs digest', () => {
    const act = (): unknown => imageTag('default', 'sha256:abc');

    expect(act).toThrow(/not a rootfs digest/);
  });
});

describe('packImageArchive', () => {
  it('streams the rootfs into <hex>/layer.tar next to config and manifest, with fixed mtimes', async () => {
    const path = join(tmp.path, 'rootfs.tar');
    await writeFile(path, rootfs);
    const plan = planImageArchive(recipe, 'default', digest, 'amd64');

    const archive = packImageArchive(plan, path, 1700000000);
    const files = await entries(archive.stream);
    await archive.done;

    expect([...files.keys()]).toEqual([`${digest.slice(7)}/`, plan.layerName, plan.configName, 'manifest.json']);
    expect(sha256(files.get(plan.layerName)?.data ?? Buffer.alloc(0))).toBe(digest.slice(7));
    expect(files.get(plan.configName)?.data.equals(plan.configBytes)).toBe(true);
    expect(new Set([...files.values()].map((f) => f.mtime))).toEqual(new Set([1700000000 * 1000]));
  });

  it('fails the archive when the rootfs tar is missing', async () => {
    const plan = planImageArchive(recipe, 'default', digest, 'amd64');

    const archive = packImageArchive(plan, join(tmp.path, 'missing.tar'), 1700000000);
    archive.stream.resume();

    await expect(archive.done).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('dockerArchitecture', () => {
  it("maps Node's names to Docker's and refuses unknown ones", () => {
    const known = ['x64', 'arm64'].map((a) => dockerArchitecture(a));

    expect(known).toEqual(['amd64', 'arm64']);
    expect(() => dockerArchitecture('mips')).toThrow(/no Docker architecture/);
  });
});

describe('drainEngineMessages', () => {
  it('returns stream lines and fails on an error line', async () => {
    const ok = Readable.from(['{"stream":"Loaded image: x:1\\n"}\n']);
    const bad = Readable.from(['{"stream":"a"}\n{"errorDetail":{"message":"layer digest mismatch"},"error":"x"}\n']);

    const messages = await drainEngineMessages(ok);
    const failed = await drainEngineMessages(bad).catch((err: unknown) => err);

    expect(messages).toEqual(['Loaded image: x:1']);
    expect(failed).toMatchObject({ code: 'ERR_IMAGE_BUILD', message: expect.stringContaining('layer digest mismatch') });
  });
});
