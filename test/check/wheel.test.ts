import { describe, expect, it } from 'vitest';
import { checkWheel } from '../../src/check/wheel.js';
import { writeWheel } from '../fixtures/wheel.js';
import { refusal } from '../helpers/errors.js';
import { useTempDir } from '../helpers/tmp.js';

const EXPECT = { name: 'demo-pkg', version: '1.0.0' };
const tmp = useTempDir('check-wheel');

describe('checkWheel', () => {
  it('accepts an honest wheel and describes it', async () => {
    const wheel = await writeWheel(tmp.path, { name: 'Demo_Pkg', version: '1.0.0', files: { 'demo_pkg/__init__.py': 'x = 1\n', 'demo_pkg/a,b.txt': 'comma' } });

    const result = await checkWheel(wheel.path, EXPECT);

    expect(result).toEqual({
      file: 'Demo_Pkg-1.0.0-py3-none-any.whl',
      sha256: wheel.sha256,
      size: expect.any(Number),
      name: 'demo-pkg',
      version: '1.0.0',
      tags: 'py3-none-any',
      entries: 5,
      purelib: true,
    });
  });

  it('refuses a wheel whose METADATA claims another project', async () => {
    const wheel = await writeWheel(tmp.path, { name: 'demo-pkg', version: '1.0.0', metadataName: 'requests' });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_MISMATCH');
    expect(err.message).toContain('expected demo-pkg 1.0.0');
    expect(err.message).toContain('METADATA claims "requests"');
  });

  it('refuses a wheel whose METADATA claims another version', async () => {
    const wheel = await writeWheel(tmp.path, { name: 'demo-pkg', version: '1.0.0', metadataVersion: '9.9.9' });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_MISMATCH');
    expect(err.message).toContain('"9.9.9"');
  });

  it('refuses a wheel whose file name names another project', async () => {
    const wheel = await writeWheel(tmp.path, { name: 'demo-pkg', version: '1.0.0', fileName: 'other-1.0.0-py3-none-any.whl' });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_MISMATCH');
    expect(err.message).toContain('file name claims "other"');
  });

  it('refuses a wheel whose dist-info directory names another project', async () => {
    const wheel = await writeWheel(tmp.path, { name: 'demo-pkg', version: '1.0.0', distInfo: 'other-1.0.0.dist-info' });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_MISMATCH');
    expect(err.message).toContain('dist-info directory claims "other"');
  });

  it('refuses METADATA with two Name fields, which readers resolve differently', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, metadataName: 'demo-pkg\nName: requests' });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toContain('has 2 Name fields');
    expect(err.details).toMatchObject({ entry: 'demo_pkg-1.0.0.dist-info/METADATA' });
  });

  it('refuses a file whose content does not match its RECORD hash', async () => {
    const wheel = await writeWheel(tmp.path, { name: 'demo-pkg', version: '1.0.0', badRecordFor: 'demo_pkg/__init__.py' });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toContain('"demo_pkg/__init__.py"');
    expect(err.details).toMatchObject({ entry: 'demo_pkg/__init__.py', rule: 'record-mismatch' });
  });

  it('refuses a file that RECORD does not list', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, extraEntries: [{ name: 'demo_pkg/sneaky.py', content: 'import os' }] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ entry: 'demo_pkg/sneaky.py', rule: 'record-missing' });
  });

  it('refuses a RECORD that lists a file the wheel lacks', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, phantomRecord: ['demo_pkg/gone.py'] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ entry: 'demo_pkg/gone.py', rule: 'record-extra' });
  });

  it('refuses a RECORD that lists a file twice', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, phantomRecord: ['demo_pkg/__init__.py'] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toContain('listed in RECORD more than once');
    expect(err.details).toMatchObject({ entry: 'demo_pkg/__init__.py', rule: 'record' });
  });

  it('refuses a wheel without RECORD', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, omitRecord: true });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toContain('demo_pkg-1.0.0.dist-info/RECORD');
  });

  it.each([
    ['../../etc/passwd', 'path-traversal'],
    ['demo_pkg/../../escape.py', 'path-traversal'],
    ['/etc/cron.d/evil', 'absolute-path'],
    ['C:/Windows/evil.dll', 'absolute-path'],
    ['demo_pkg\\..\\evil.py', 'backslash'],
    ['demo_pkg/a\u0000b.py', 'control-char'],
    ['demo_pkg//b.py', 'path-segment'],
  ])('refuses the unsafe entry name %j', async (name, rule) => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, extraEntries: [{ name, content: 'x' }] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ entry: name, rule });
  });

  it('refuses a duplicate entry name', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, extraEntries: [{ name: 'demo_pkg/__init__.py', content: 'evil()' }] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ entry: 'demo_pkg/__init__.py', rule: 'duplicate' });
  });

  it('refuses a symlink entry', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, extraEntries: [{ name: 'demo_pkg/link', content: '/etc/passwd', mode: 0o120777 }] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ entry: 'demo_pkg/link', rule: 'symlink' });
  });

  it('refuses an encrypted entry', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, extraEntries: [{ name: 'demo_pkg/secret.py', content: 'hidden', flags: 0x1 }] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ entry: 'demo_pkg/secret.py', rule: 'encrypted' });
  });

  it('refuses a second dist-info directory', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, extraEntries: [{ name: 'other-2.0.dist-info/METADATA', content: 'Name: other' }] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toContain('2 .dist-info directories');
  });

  it('refuses an entry that inflates beyond the ratio limit', async () => {
    const bomb = Buffer.alloc(2 * 1024 * 1024);
    const wheel = await writeWheel(tmp.path, { ...EXPECT, extraEntries: [{ name: 'demo_pkg/zeros.bin', content: bomb }] });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ entry: 'demo_pkg/zeros.bin', rule: 'ratio' });
  });

  it('refuses more entries than the limit', async () => {
    const wheel = await writeWheel(tmp.path, EXPECT);

    const err = await refusal(checkWheel(wheel.path, EXPECT, { limits: { maxEntries: 3 } }));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ rule: 'too-many-entries' });
  });

  it('refuses a WHEEL file with an unsupported format version', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, wheelFile: 'Wheel-Version: 2.0\nRoot-Is-Purelib: true\n' });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.details).toMatchObject({ entry: 'demo_pkg-1.0.0.dist-info/WHEEL' });
  });

  it('refuses a malformed wheel file name', async () => {
    const wheel = await writeWheel(tmp.path, { ...EXPECT, fileName: 'demo_pkg-1.0.0.whl' });

    const err = await refusal(checkWheel(wheel.path, EXPECT));

    expect(err.code).toBe('ERR_WHEEL_INVALID');
    expect(err.message).toContain('"demo_pkg-1.0.0.whl"');
  });
});
