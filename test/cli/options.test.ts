import { describe, expect, it } from 'vitest';
import { BUILD, COMMANDS, DAEMON, LOCK_COMMAND, STORE_GC, VERIFY, VET } from '../../src/cli/commands.js';
import type { CommandSpec, OptionSpec } from '../../src/cli/command-spec.js';
import { OPTIONS } from '../../src/cli/options.js';
import { parseCommand } from '../../src/cli/parse-command.js';
import type { HbuildError } from '../../src/core/errors.js';

/** The ERR_USAGE error parseCommand throws for `argv`, or a failure when it throws none. */
function usageError(spec: CommandSpec, argv: string[]): HbuildError {
  try {
    parseCommand(spec, argv);
  } catch (err) {
    return err as HbuildError;
  }
  throw new Error(`hbuild ${spec.command} ${argv.join(' ')} was accepted`);
}

function parsedValues(spec: CommandSpec, argv: string[]): Record<string, unknown> {
  const parsed = parseCommand(spec, argv);
  if (parsed.help) throw new Error('help was not asked for');
  return parsed.values as Record<string, unknown>;
}

describe('the option table', () => {
  it('has a default that its own schema accepts wherever it has one', () => {
    const withDefault = Object.values(OPTIONS).filter((o) => 'default' in o);

    const refused = withDefault.filter((o) => !o.value.safeParse(o.default).success).map((o) => o.name);

    expect(withDefault.length).toBeGreaterThan(0);
    expect(refused).toEqual([]);
  });

  it('gives no command two options with one name or one short alias', () => {
    const clashes = COMMANDS.flatMap((spec) => {
      const names = spec.options.map((o) => o.name);
      const shorts = spec.options.flatMap((o) => ('short' in o ? [o.short] : []));
      return new Set(names).size === names.length && new Set([...shorts, 'h']).size === shorts.length + 1 ? [] : [spec.command];
    });

    expect(clashes).toEqual([]);
  });

  it('declares no option that no command takes', () => {
    const used = new Set<OptionSpec>([OPTIONS.help, ...COMMANDS.flatMap<OptionSpec>((spec) => spec.options)]);

    const unused = Object.entries(OPTIONS).filter(([, o]) => !used.has(o)).map(([id]) => id);

    expect(unused).toEqual([]);
  });
});

describe('parseCommand', () => {
  it('converts values with their schemas and applies the defaults', () => {
    const build = parsedValues(BUILD, ['lock.yaml', '-j', '4', '--only', 'a, b_c', '--min-age=0', '--sdist-dir', 'x', '--sdist-dir', 'y']);
    const lock = parsedValues(LOCK_COMMAND, ['--pin-index', 'torch=https://example.test/simple/', '--exempt', 'fresh']);
    const daemon = parsedValues(DAEMON, []);
    const gc = parsedValues(STORE_GC, ['--keep-days', '0']);

    expect(build).toMatchObject({ jobs: 4, only: ['a', 'b_c'], 'min-age': 0, 'sdist-dir': ['x', 'y'], out: 'wheelhouse', vet: 'enforce', record: false, timeout: undefined });
    expect(lock).toMatchObject({ 'pin-index': [['torch', 'https://example.test/simple/']], exempt: ['fresh'], lock: 'lock.yaml', add: [], check: false });
    expect(daemon).toMatchObject({ jobs: 1, grace: 10, roots: undefined });
    expect(gc).toMatchObject({ 'keep-days': 0, keep: [], 'dry-run': false });
  });

  it('returns the positional arguments by name', () => {
    const parsed = parseCommand(VET, ['--format', 'sarif', 'path/lock.yaml']);

    expect(parsed).toMatchObject({ help: false, args: { lock: 'path/lock.yaml' }, values: { format: 'sarif' } });
  });

  it.each([
    [['--min-age', '-1'], '--min-age must be a whole number of days from 0 to 3650, got "-1"'],
    [['--min-age', '1.5'], '--min-age must be a whole number of days from 0 to 3650, got "1.5"'],
    [['--min-age', '3651'], '--min-age must be a whole number of days from 0 to 3650, got "3651"'],
  ])('refuses %j with the same message from build, vet and lock', (flags, message) => {
    const errors = [BUILD, VET, LOCK_COMMAND].map((spec) => usageError(spec, ['lock.yaml', ...flags]));

    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['ERR_USAGE', message],
      ['ERR_USAGE', message],
      ['ERR_USAGE', message],
    ]);
  });

  it.each([
    [['--jobs', '0'], '--jobs must be a whole number from 1 to 64, got "0"'],
    [['-j', 'abc'], '--jobs must be a whole number from 1 to 64, got "abc"'],
    [['--jobs=1e1'], '--jobs must be a whole number from 1 to 64, got "1e1"'],
    [['--jobs', '65'], '--jobs must be a whole number from 1 to 64, got "65"'],
  ])('refuses %j with the same message from build, verify and the daemon', (flags, message) => {
    const errors = [usageError(BUILD, ['lock.yaml', ...flags]), usageError(VERIFY, ['lock.yaml', ...flags]), usageError(DAEMON, flags)];

    expect(errors.map((e) => e.message)).toEqual([message, message, message]);
  });

  it('reports every bad option and argument at once, with a hint at the help', () => {
    const err = usageError(BUILD, ['--jobs', '0', '--vet', 'maybe', '--timeout', '0', '--frob', 'a.yaml', 'b.yaml']);

    expect(err.code).toBe('ERR_USAGE');
    expect(err.message.split('\n')).toEqual([
      '5 problems with the arguments of hbuild build:',
      '  - unknown option --frob',
      '  - --jobs must be a whole number from 1 to 64, got "0"',
      '  - --vet must be one of enforce, report, got "maybe"',
      '  - --timeout must be a whole number of seconds from 1 to 86400, got "0"',
      '  - one lock file expected, got 2',
    ]);
    expect(err.hint).toBe('run `hbuild build --help` for its arguments and options');
  });

  it.each([
    [VET, ['lock.yaml', '--no-such-flag'], 'unknown option --no-such-flag'],
    [VERIFY, ['lock.yaml', '-x'], 'unknown option -x'],
    [STORE_GC, ['--repair'], 'unknown option --repair'],
    [DAEMON, ['--out=x'], 'unknown option --out'],
  ])('refuses an option the command does not take (%#)', (spec, argv, message) => {
    const err = usageError(spec, argv);

    expect([err.code, err.message]).toEqual(['ERR_USAGE', message]);
  });

  it('refuses a missing value, a value on a flag and a forgotten value', () => {
    const messages = [
      usageError(BUILD, ['lock.yaml', '--store']).message,
      usageError(BUILD, ['lock.yaml', '--json=yes']).message,
      usageError(BUILD, ['lock.yaml', '--out', '--json']).message,
      usageError(VET, []).message,
      usageError(DAEMON, ['stray']).message,
    ];

    expect(messages).toEqual([
      '--store needs a value (--store DIR)',
      '--json takes no value, got "yes"',
      '--out needs a value, and "--json" looks like an option; write --out=--json if it is the value',
      'no lock file given',
      'unexpected argument "stray"',
    ]);
  });

  it('answers -h or --help even when other arguments are wrong', () => {
    const long = parseCommand(BUILD, ['--jobs', '0', '--frob', '--help']);
    const short = parseCommand(STORE_GC, ['-h', 'stray']);

    expect(long).toMatchObject({ help: true, usage: expect.stringContaining('hbuild [build] LOCK.yaml [options]') });
    expect(short).toMatchObject({ help: true, usage: expect.stringContaining('hbuild store gc') });
  });
});
