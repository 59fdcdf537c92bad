import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { main } from '../../src/cli/main.js';

let stdout: string;
let stderr: string;
let home: string;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'hbuild-cli-help-'));
  // Anything a command creates before it looks at --help would land here.
  for (const name of ['XDG_CACHE_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR', 'XDG_CONFIG_HOME']) vi.stubEnv(name, join(home, name));
  vi.stubEnv('HBUILD_DAEMON', '');
  stdout = '';
  stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await rm(home, { recursive: true, force: true });
});

describe('hbuild COMMAND --help', () => {
  it.each(COMMANDS.flatMap((spec) => [[spec.command, '--help'] as const, [spec.command, '-h'] as const]))('hbuild %s %s prints its usage and exits 0', async (command, flag) => {
    const spec = COMMANDS.find((s) => s.command === command)!;

    const code = await main([...command.split(' '), flag]);

    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain(`Usage:\n  ${spec.usage[0]!.line}`);
    for (const option of spec.options) expect(stdout).toMatch(new RegExp(`^ +(-\\w, )?--${option.name}\\b`, 'm'));
    expect(stdout).toContain('-h, --help');
    expect(await readdir(home)).toEqual([]);
  });

  it('shows each default and what a repeatable option is', async () => {
    const code = await main(['store', 'gc', '--help']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/--keep-days N +keep what a build used within the last N days \(default: 30\)/);
    expect(stdout).toMatch(/--keep LOCK +keep everything this lock pins \(repeatable\)/);
  });

  it.each(['image', 'store', 'attest'])('hbuild %s --help lists its subcommands', async (group) => {
    const members = COMMANDS.filter((spec) => spec.command.startsWith(`${group} `));

    const code = await main([group, '--help']);

    expect(code).toBe(0);
    for (const spec of members) expect(stdout).toContain(spec.usage[0]!.line);
  });

  it('hbuild help and --help print the overview; hbuild help COMMAND prints the command help', async () => {
    const overview = await main(['help']);
    const first = stdout;
    stdout = '';
    const flag = await main(['--help']);
    const second = stdout;
    stdout = '';
    const one = await main(['help', 'vet']);
    const helpVet = stdout;
    stdout = '';
    await main(['vet', '--help']);

    expect([overview, flag, one]).toEqual([0, 0, 0]);
    expect(second).toBe(first);
    for (const spec of COMMANDS) expect(first).toContain(spec.usage[0]!.line);
    expect(first).toContain('Build options:\n  -o, --out DIR');
    expect(helpVet).toBe(stdout);
  });
});

describe('bad options through the commands', () => {
  it.each([
    [['build', 'lock.yaml'], 'hbuild: error: '],
    [['vet', 'lock.yaml'], 'hbuild: error: '],
    [['lock', 'requirements.txt'], 'hbuild lock: error: '],
  ])('%j --min-age -1 exits 2 with the shared message', async (argv, prefix) => {
    const code = await main([...argv, '--min-age', '-1']);

    expect(code).toBe(2);
    expect(stderr).toContain(`${prefix}--min-age must be a whole number of days from 0 to 3650, got "-1"\n`);
    expect(await readdir(home)).toEqual([]);
  });

  it.each([['build', 'lock.yaml'], ['verify', 'lock.yaml'], ['daemon']])('%j --jobs 0 exits 2 with the shared message', async (...argv) => {
    const code = await main([...argv, '--jobs', '0']);

    expect(code).toBe(2);
    expect(stderr).toBe('hbuild: error: --jobs must be a whole number from 1 to 64, got "0"\nhint: run `hbuild ' + argv[0] + ' --help` for its arguments and options\n');
  });

  it('hbuild lock shows its usage after a bad flag', async () => {
    const code = await main(['lock', 'requirements.txt', '--no-such-flag', '--min-age', 'soon']);

    expect(code).toBe(2);
    expect(stderr).toContain('hbuild lock: error: 2 problems with the arguments of hbuild lock:\n  - unknown option --no-such-flag\n');
    expect(stderr).toContain('Usage:\n  hbuild lock INPUT [options]');
  });

  it.each([
    [['store', 'frob'], 'unknown store command "frob"'],
    [['attest'], 'no attest command given'],
    [['image', 'build'], 'no image name given'],
    [['attest', 'sign', 'wh', '--json'], 'unknown option --json'],
  ])('%j is a usage error', async (argv, message) => {
    const code = await main(argv);

    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toBe(`hbuild: error: ${message}`);
  });
});
