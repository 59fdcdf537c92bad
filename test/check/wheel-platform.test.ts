import { describe, expect, it } from 'vitest';
import { checkPlatformTags } from '../../src/check/wheel-platform.js';
import { refusal } from '../helpers/errors.js';

const REPAIR = { platform: 'manylinux_2_36_x86_64' };

describe('checkPlatformTags', () => {
  it('accepts the platform a repair asked for, and a legacy alias beside it', () => {
    expect(() => checkPlatformTags('a.whl', 'cp311-cp311-manylinux_2_36_x86_64', REPAIR)).not.toThrow();
    expect(() => checkPlatformTags('a.whl', 'cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64', { platform: 'manylinux_2_17_x86_64' })).not.toThrow();
  });

  it('accepts linux and any tags from a build that was not repaired', () => {
    expect(() => checkPlatformTags('a.whl', 'cp311-cp311-linux_x86_64', null)).not.toThrow();
    expect(() => checkPlatformTags('a.whl', 'py3-none-any', null)).not.toThrow();
  });

  it('refuses a manylinux tag that no repair gave, naming the tag', async () => {
    const err = await refusal(Promise.resolve().then(() => checkPlatformTags('a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl', 'cp311-cp311-manylinux_2_17_x86_64', null)));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toContain('it is tagged manylinux_2_17_x86_64, but hbuild did not repair it');
  });

  it('refuses a repaired wheel tagged for another platform, or for more than the one asked for', async () => {
    const other = await refusal(Promise.resolve().then(() => checkPlatformTags('a.whl', 'cp311-cp311-linux_x86_64', REPAIR)));
    const more = await refusal(Promise.resolve().then(() => checkPlatformTags('a.whl', 'cp311-cp311-manylinux_2_17_x86_64.manylinux_2_36_x86_64', REPAIR)));

    expect(other.message).toBe('wheel "a.whl" refused: its recipe repairs it for manylinux_2_36_x86_64, but it is tagged linux_x86_64');
    expect(more.details.rule).toBe('platform-tag');
  });

  it('does not judge the tags of a wheel read back (no repair setting given)', () => {
    expect(() => checkPlatformTags('a.whl', 'cp311-cp311-manylinux_2_17_x86_64', undefined)).not.toThrow();
  });
});
