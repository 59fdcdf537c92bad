import { describe, expect, it } from 'vitest';
import type { ProjectPage } from '../../src/fetch/index-client.js';
import { htmlRepositoryVersion, jsonApiVersion } from '../../src/fetch/index-client.js';
import { supportsAttestations } from '../../src/publish/index-state.js';
import { planPublish } from '../../src/publish/plan.js';
import type { LocalWheel } from '../../src/publish/read-wheelhouse.js';

const wheel = (name: string, file: string, sha: string): LocalWheel => ({ name, version: '1.0', file, path: `/wh/${file}`, sha256: sha.repeat(64), size: 10 });
const listed = (filename: string, sha?: string) => ({ filename, url: `http://i/${filename}`, yanked: false, ...(sha === undefined ? {} : { sha256: sha.repeat(64) }) });

describe('the publish plan', () => {
  it('uploads what the index lacks, skips the same bytes, marks other bytes a conflict and unlisted hashes for comparison', () => {
    const wheels = [wheel('New.Pkg', 'new_pkg-1.0-py3-none-any.whl', 'a'), wheel('same', 'same-1.0-py3-none-any.whl', 'b'), wheel('other', 'other-1.0-py3-none-any.whl', 'c'), wheel('nohash', 'nohash-1.0-py3-none-any.whl', 'd')];
    const pages = new Map<string, ProjectPage | null>([
      ['new-pkg', null],
      ['same', { files: [listed('same-1.0-py3-none-any.whl', 'b')] }],
      ['other', { files: [listed('other-1.0-py3-none-any.whl', 'e'), listed('other-0.9-py3-none-any.whl', 'c')] }],
      ['nohash', { files: [listed('NoHash-1.0-py3-none-any.whl')] }],
    ]);

    const steps = planPublish(wheels, pages);

    expect(steps.map((s) => s.action)).toEqual(['upload', 'skip', 'conflict', 'compare']);
    expect(steps[2]).toMatchObject({ remoteSha256: 'e'.repeat(64) });
  });
});

describe('whether an index takes attestations', () => {
  it('reads PEP 691 api-version and PEP 629 repository-version, and only 1.3 or later counts', () => {
    const json = jsonApiVersion('{"meta":{"api-version":"1.4"},"files":[]}');
    const html = htmlRepositoryVersion('<html><head><meta name="pypi:repository-version" content="1.0"></head>');
    const junk = jsonApiVersion('{"meta":{"api-version":"1.3; drop table"}}');

    expect([json, html, junk]).toEqual(['1.4', '1.0', undefined]);
    expect([supportsAttestations('1.4'), supportsAttestations('1.3'), supportsAttestations('1.2'), supportsAttestations('2.0'), supportsAttestations(undefined)]).toEqual([true, true, false, true, false]);
  });
});
