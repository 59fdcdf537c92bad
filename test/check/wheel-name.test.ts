import { describe, expect, it } from 'vitest';
import { parseWheelName } from '../../src/check/wheel-name.js';
import { HbuildError } from '../../src/core/errors.js';

describe('parseWheelName', () => {
  it('splits a plain wheel name', () => {
    const file = 'demo_pkg-1.0.0-py3-none-any.whl';

    const parsed = parseWheelName(file);

    expect(parsed).toEqual({ distribution: 'demo_pkg', version: '1.0.0', tags: 'py3-none-any' });
  });

  it('reads a build tag and compressed tag sets', () => {
    const file = 'numpy-2.1.0-1build-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl';

    const parsed = parseWheelName(file);

    expect(parsed).toEqual({
      distribution: 'numpy',
      version: '2.1.0',
      build: '1build',
      tags: 'cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64',
    });
  });

  it.each([
    'demo-1.0.whl',
    'demo-1.0-py3-none-any.zip',
    'demo-pkg-1.0-py3-none-any.whl',
    'demo-1.0-x-py3-none-any.whl',
    'demo-not.a.version!-py3-none-any.whl',
    '../demo-1.0-py3-none-any.whl',
    'demo-1.0-py3-none-any.whl/',
    'de\\mo-1.0-py3-none-any.whl',
    'demo\u0000-1.0-py3-none-any.whl',
    'demo-1.0-py3-none-any\n.whl',
    `${'a'.repeat(300)}-1.0-py3-none-any.whl`,
  ])('refuses %j', (file) => {
    const act = (): unknown => parseWheelName(file);

    expect(act).toThrow(HbuildError);
    expect(act).toThrow(expect.objectContaining({ code: 'ERR_WHEEL_INVALID', details: { file } }));
  });
});
