import { parseArgs } from 'node:util';
import { HbuildError, isHbuildError } from '../core/errors.js';
import type { CommandSpec, OptionSpec, ParsedCommand } from './command-spec.js';
import { renderCommandHelp } from './command-help.js';
import { OPTIONS } from './options.js';

type Token = NonNullable<ReturnType<typeof parseArgs>['tokens']>[number];
type OptionToken = Extract<Token, { kind: 'option' }>;

/**
 * Parses a command's arguments by its spec: every option value is validated and converted
 * with its zod schema, and every problem (unknown option, missing or bad value, wrong number
 * of arguments) is reported together in one ERR_USAGE error. `-h`/`--help` anywhere wins
 * over any problem and returns the command's help text instead.
 */
export function parseCommand<S extends CommandSpec>(spec: S, argv: readonly string[]): ParsedCommand<S> {
  const options: readonly OptionSpec[] = [...spec.options, OPTIONS.help];
  const byName = new Map(options.map((o) => [o.name, o]));
  const shorts = options.flatMap((o) => (o.short === undefined ? [] : [o.short]));
  if (byName.size !== options.length || new Set(shorts).size !== shorts.length) throw new Error(`hbuild ${spec.command}: two options share a name or a short alias`);
  // parseArgs' own strict mode stops at the first problem and calls `--min-age -1` ambiguous
  // before the value is ever checked; the same rules are applied to its tokens below instead.
  const parsed = parseArgs({
    args: [...argv],
    options: Object.fromEntries(options.map((o) => [o.name, { type: o.type, multiple: o.multiple ?? false, ...(o.short === undefined ? {} : { short: o.short }) }])),
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const optionTokens = parsed.tokens.filter((t): t is OptionToken => t.kind === 'option');
  if (optionTokens.some((t) => t.name === 'help')) return { help: true, usage: renderCommandHelp(spec) };

  const problems: string[] = [];
  const refused = new Set<string>();
  for (const token of optionTokens) {
    const problem = tokenProblem(token, byName.get(token.name));
    if (problem !== undefined && !problems.includes(problem)) problems.push(problem);
    if (problem !== undefined) refused.add(token.name);
  }
  const values: Record<string, unknown> = {};
  for (const option of spec.options) {
    if (refused.has(option.name)) continue;
    values[option.name] = convert(option, parsed.values[option.name], problems);
  }
  const args = positionalArgs(spec, parsed.positionals, problems);
  if (problems.length > 0) throw usageError(spec, problems);
  return { help: false, values, args } as ParsedCommand<S>;
}

function tokenProblem(token: OptionToken, option: OptionSpec | undefined): string | undefined {
  if (option === undefined) return `unknown option ${token.rawName}`;
  const flag = `--${option.name}`;
  if (option.type === 'boolean') return token.value === undefined ? undefined : `${flag} takes no value, got ${JSON.stringify(token.value)}`;
  if (token.value === undefined) return `${flag} needs a value (${flag} ${option.arg ?? 'VALUE'})`;
  // A value that looks like an option is most likely a forgotten argument (`--out --json`);
  // a negative number is let through so that its range check can say what is allowed.
  if (!token.inlineValue && token.value.startsWith('-') && token.value.length > 1 && !/^-\d/.test(token.value)) {
    return `${flag} needs a value, and ${JSON.stringify(token.value)} looks like an option; write ${flag}=${token.value} if it is the value`;
  }
  return undefined;
}

function convert(option: OptionSpec, raw: unknown, problems: string[]): unknown {
  if (option.type === 'boolean') return option.value.parse(raw === true);
  if (option.multiple) return (Array.isArray(raw) ? (raw as string[]) : []).map((item) => check(option, item, problems));
  const given = typeof raw === 'string' ? raw : option.default;
  return given === undefined ? undefined : check(option, given, problems);
}

function check(option: OptionSpec, raw: string, problems: string[]): unknown {
  const result = option.value.safeParse(raw);
  if (result.success) return result.data;
  problems.push(`--${option.name} must be ${result.error.issues[0]?.message ?? 'valid'}, got ${JSON.stringify(raw)}`);
  return undefined;
}

function positionalArgs(spec: CommandSpec, given: readonly string[], problems: string[]): Record<string, string | undefined> {
  const expected = spec.positionals;
  const missing = expected.find((p, i) => !p.optional && given[i] === undefined);
  if (missing !== undefined) problems.push(`no ${missing.noun} given`);
  if (given.length > expected.length) {
    const [only] = expected;
    if (only === undefined) problems.push(`unexpected argument ${JSON.stringify(given[0])}`);
    else if (expected.length === 1) problems.push(`one ${only.noun} expected, got ${given.length}`);
    else problems.push(`at most ${expected.length} arguments expected, got ${given.length}`);
  }
  return Object.fromEntries(expected.map((p, i) => [p.key, given[i]]));
}

function usageError(spec: CommandSpec, problems: readonly string[]): HbuildError {
  const command = `hbuild ${spec.command}`;
  const message = problems.length === 1 ? (problems[0] as string) : `${problems.length} problems with the arguments of ${command}:\n${problems.map((p) => `  - ${p}`).join('\n')}`;
  return new HbuildError('ERR_USAGE', message, { hint: `run \`${command} --help\` for its arguments and options`, details: { problems } });
}

/** Whether `err` is the usage error `parseCommand` throws, as opposed to one found later by the command. */
export function isArgumentError(err: unknown): err is HbuildError {
  return isHbuildError(err, 'ERR_USAGE') && Array.isArray(err.details.problems);
}
