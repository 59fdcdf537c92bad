import type { z } from 'zod';

/** How parseArgs reads an option: a bare flag, or one that takes a value. */
export type OptionType = 'string' | 'boolean';

/** One command-line option, declared once in `OPTIONS` and shared by every command that takes it. */
export interface OptionSpec {
  /** The long name, without the dashes; also the key of its parsed value. */
  readonly name: string;
  readonly short?: string;
  readonly type: OptionType;
  /** Repeatable: the value is the list of every occurrence, each converted on its own. */
  readonly multiple?: boolean;
  /** What help shows after a string option: `--jobs N`. */
  readonly arg?: string;
  /** Validates one raw value and converts it to what the command uses. */
  readonly value: z.ZodType;
  /** The raw default, written as a user would type it and converted like a typed value. */
  readonly default?: string;
  /** How help describes a default that is worked out at run time (environment, lock, cores). */
  readonly defaultText?: string;
  /** One line for help; wrapped to the terminal width there. */
  readonly help: string;
}

/** An argument that is not an option: `hbuild build LOCK.yaml`. */
export interface PositionalSpec {
  /** Key of its value in the parse result. */
  readonly key: string;
  /** How usage shows it: `LOCK.yaml`. */
  readonly name: string;
  /** How errors name it: "no lock file given". */
  readonly noun: string;
  readonly help: string;
  readonly optional?: boolean;
}

/** One way to call a command, for its help and the overview of `hbuild help`. */
export interface UsageLine {
  readonly line: string;
  readonly summary: string;
}

/** What a command or subcommand accepts; its parser and its `--help` are both derived from this. */
export interface CommandSpec<Os extends readonly OptionSpec[] = readonly OptionSpec[], Ps extends readonly PositionalSpec[] = readonly PositionalSpec[]> {
  /** The words after `hbuild`: `store verify`. */
  readonly command: string;
  readonly usage: readonly UsageLine[];
  /** A paragraph for `--help` beyond the usage summaries. */
  readonly description?: string;
  readonly positionals: Ps;
  readonly options: Os;
  /** Text printed at the end of `--help`, such as the command's exit codes. */
  readonly notes?: string;
}

/** Keeps the literal option and positional types, so a command's parsed values are typed by its spec. */
export function defineCommand<const Os extends readonly OptionSpec[], const Ps extends readonly PositionalSpec[]>(spec: CommandSpec<Os, Ps>): CommandSpec<Os, Ps> {
  return spec;
}

/** The value a command receives for an option. */
export type OptionValue<O extends OptionSpec> = O extends { type: 'boolean' }
  ? boolean
  : O extends { multiple: true }
    ? z.output<O['value']>[]
    : O extends { default: string }
      ? z.output<O['value']>
      : z.output<O['value']> | undefined;

export type OptionValues<Os extends readonly OptionSpec[]> = { [O in Os[number] as O['name']]: OptionValue<O> };

export type PositionalValues<Ps extends readonly PositionalSpec[]> = {
  [P in Ps[number] as P['key']]: P extends { optional: true } ? string | undefined : string;
};

/** A parsed command line: either a request for help or every value, validated and converted. */
export type ParsedCommand<S extends CommandSpec> =
  | { help: true; usage: string }
  | { help: false; values: OptionValues<S['options']>; args: PositionalValues<S['positionals']> };
