import { describe, expect, it } from 'vitest';
import { buildCommand, buildEnvironment } from '../../src/builder/container-command.js';
import { isHbuildError } from '../../src/core/errors.js';
import { makeSentinels, parseVariations, plantedSentinels, VARIATION_NAMES, VARIATION_SUMMARY, variationFor } from '../../src/verify/variations.js';

const SENTINELS = makeSentinels(() => 'abcd1234');

describe('parseVariations', () => {
  it('defaults to every variation, in catalogue order', () => {
    const chosen = [parseVariations(undefined), parseVariations(''), parseVariations('all')];

    expect(chosen).toEqual([[...VARIATION_NAMES], [...VARIATION_NAMES], [...VARIATION_NAMES]]);
  });

  it('takes a list, and -NAME leaves one out of the default set', () => {
    const list = parseVariations('umask, time,umask');
    const without = parseVariations('-time,-kernel');

    expect(list).toEqual(['time', 'umask']);
    expect(without).toEqual(VARIATION_NAMES.filter((v) => v !== 'time' && v !== 'kernel'));
  });

  it.each([['umask,colour'], ['-nothing']])('refuses an unknown name in %j as a usage error naming it and the choices', (spec) => {
    const err = (() => {
      try {
        return parseVariations(spec);
      } catch (e) {
        return e;
      }
    })();

    expect(isHbuildError(err, 'ERR_USAGE')).toBe(true);
    expect((err as Error).message).toMatch(/colour|nothing/);
    expect(isHbuildError(err) && err.hint).toContain('build-path');
  });

  it('refuses a set that leaves nothing to vary', () => {
    const act = (): unknown => parseVariations('umask,-umask');

    expect(act).toThrow(/no variation left/);
  });
});

describe('variationFor', () => {
  it('leaves the standard build alone when no variation is named', () => {
    const variation = variationFor([], SENTINELS);

    expect(variation).toEqual({});
  });

  it('maps every variation to the knob that implements it', () => {
    const variation = variationFor(VARIATION_NAMES, SENTINELS);

    expect(variation).toEqual({
      srcDir: 'hbv-path-abcd1234/src',
      umask: '002',
      hostname: 'hbv-host-abcd1234',
      domainname: 'hbv-domain-abcd1234.invalid',
      cpuset: '0',
      reverseEnv: true,
      sourceOrder: 'reverse',
      uid: 1234,
      gid: 1234,
      uname26: true,
      dirs: ['hbv-home-abcd1234'],
      env: {
        LD_PRELOAD: '/usr/$LIB/faketime/libfaketime.so.1',
        FAKETIME: `+${((373 * 24 + 7) * 60 + 13) * 60}`,
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
        TZ: 'GMT-14',
        LC_ALL: 'POSIX',
        LANG: 'POSIX',
        HOME: '/build/hbv-home-abcd1234',
        PATH: `${buildEnvironment(0).PATH}:/hbv-exec-abcd1234/bin`,
        USER: 'hbvuserabcd1234',
        LOGNAME: 'hbvuserabcd1234',
      },
    });
  });

  it('plants a sentinel only for the variations that carry one', () => {
    const planted = plantedSentinels(['umask', 'hostname', 'build-path'], SENTINELS);

    expect(planted).toEqual([
      { kind: 'build path', value: 'hbv-path-abcd1234' },
      { kind: 'host name', value: 'hbv-host-abcd1234' },
      { kind: 'domain name', value: 'hbv-domain-abcd1234.invalid' },
    ]);
  });

  it('describes every variation for reports', () => {
    const described = VARIATION_NAMES.filter((v) => VARIATION_SUMMARY[v].length > 10);

    expect(described).toEqual([...VARIATION_NAMES]);
  });

  it('makes fresh sentinels each run', () => {
    const [a, b] = [makeSentinels(), makeSentinels()];

    expect(a.hostname).not.toBe(b.hostname);
    expect(a.buildPath).toMatch(/^hbv-path-[0-9a-f]{8}$/);
  });
});

describe('buildCommand under variations', () => {
  it('is unchanged without a shape', () => {
    const standard = buildCommand();

    expect(standard.slice(0, 5)).toEqual(['/bin/sh', '-c', 'umask 022 && exec "$@"', 'hbuild-build', 'python3']);
    expect(standard.at(-3)).toBe('/build/src');
    expect(buildCommand({}, {})).toEqual(standard);
  });

  it('applies umask, source path, setarch and the environment re-ordering', () => {
    const varied = buildCommand({}, { umask: '002', srcDir: '/build/x/src', uname26: true, reverseEnv: true });

    expect(varied[2]).toBe('umask 002 && exec setarch "$(uname -m)" --uname-2.6 "$@"');
    expect(varied.slice(4, 6)).toEqual(['python3', '-c']);
    expect(varied[6]).toContain('reversed(list(os.environ.items()))');
    expect(varied.slice(7, 9)).toEqual(['python3', '/build/hbuild/frontend.py']);
    expect(varied.at(-3)).toBe('/build/x/src');
  });

  it('refuses a umask that is not octal, since it goes into a shell command', () => {
    const act = (): unknown => buildCommand({}, { umask: '022; rm -rf /' });

    expect(act).toThrow(/octal/);
  });
});
