import { describe, expect, it } from 'vitest';
import { evaluateMarker, MarkerError } from '../../src/core/markers.js';
import { exactPin, parseRequirement, RequirementError } from '../../src/core/requirement.js';

describe('environment markers, evaluated for the builder (CPython 3.11 on linux x86_64)', () => {
  it.each([
    ['python_version >= "3.8"', true],
    ['python_version < "3.11"', false],
    ['python_full_version == "3.11.2"', true],
    ['"3.12" > python_version', true],
    ['python_version == "3.11.*"', true],
    ['sys_platform == "win32"', false],
    ['sys_platform == "linux" and platform_machine == "x86_64"', true],
    ['os_name == "nt" or (platform_system == "Linux" and implementation_name == "cpython")', true],
    ['platform_python_implementation != "PyPy"', true],
    ['"linux" in sys_platform', true],
    ['platform_machine not in "arm64 aarch64"', true],
    ["sys.platform == 'linux'", true],
  ])('%s → %s', (marker, expected) => {
    const holds = evaluateMarker(marker);

    expect(holds).toBe(expected);
  });

  it('evaluates extra markers against the requested extras, normalised', () => {
    const marker = 'extra == "Socks"';

    const without = evaluateMarker(marker);
    const withSocks = evaluateMarker(marker, { extras: new Set(['socks']) });

    expect(without).toBe(false);
    expect(withSocks).toBe(true);
  });

  it('refuses markers on the build host\'s kernel, unknown variables and bad syntax', () => {
    const attempts = ['platform_release >= "6"', 'flavour == "x"', 'python_version >= ', 'python_version >= "3" and', '"a" < "b"'];

    const errors = attempts.map((m) => {
      try {
        evaluateMarker(m);
        return null;
      } catch (err) {
        return err;
      }
    });

    expect(errors.every((e) => e instanceof MarkerError)).toBe(true);
    expect((errors[0] as Error).message).toContain("build host's kernel");
  });
});

describe('PEP 508 requirements', () => {
  it('parses name, extras, specifier and marker', () => {
    const req = parseRequirement('Requests[Socks, security] (>=2.0, <3) ; python_version >= "3.8"');

    expect(req).toEqual({ name: 'Requests', key: 'requests', extras: ['security', 'socks'], specifier: '>=2.0,<3', marker: 'python_version >= "3.8"' });
  });

  it('keeps a direct URL reference apart from its marker', () => {
    const req = parseRequirement('pkg @ https://example.invalid/pkg-1.0.tar.gz#sha256=abc ; os_name == "posix"');

    expect(req.url).toBe('https://example.invalid/pkg-1.0.tar.gz#sha256=abc');
    expect(req.marker).toBe('os_name == "posix"');
  });

  it('tells an exact pin from everything else', () => {
    const pins = ['==1.0', '===1.0', '==1.*', '>=1.0', '==1.0,!=1.1', ''].map(exactPin);

    expect(pins).toEqual(['1.0', '1.0', undefined, undefined, undefined, undefined]);
  });

  it.each(['', '-e .', 'name >= ', 'name[', 'name ==1.0 ;', 'na me==1.0'])('refuses %j', (text) => {
    const parse = () => parseRequirement(text);

    expect(parse).toThrow(RequirementError);
  });
});
