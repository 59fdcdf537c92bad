import { HbuildError } from '../core/errors.js';
import { EXIT } from '../core/exit-codes.js';
import type { CommandSpec, OptionSpec, UsageLine } from './command-spec.js';
import { COMMANDS } from './commands.js';
import { OPTIONS } from './options.js';

const WIDTH = 105;
/** A left column wider than this pushes its text to the next line instead of widening every row. */
const MAX_LEFT = 38;

/** Two-column rows: the left column padded to the widest that fits, the right one word-wrapped. */
export function renderRows(rows: ReadonlyArray<readonly [left: string, right: string]>, indent = 2): string {
  const left = Math.min(MAX_LEFT, Math.max(0, ...rows.map(([l]) => (l.length <= MAX_LEFT ? l.length : 0)))) + 2;
  const lines: string[] = [];
  for (const [l, r] of rows) {
    const wrapped = wrap(r, WIDTH - indent - left);
    const pad = ' '.repeat(indent + left);
    if (l.length + 2 > left) lines.push(' '.repeat(indent) + l, ...wrapped.map((w) => pad + w));
    else lines.push(' '.repeat(indent) + l.padEnd(left) + (wrapped[0] ?? ''), ...wrapped.slice(1).map((w) => pad + w));
  }
  return lines.map((line) => line.trimEnd()).join('\n');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** `-o, --out DIR`, with boolean flags and short-less options lined up under the long names. */
export function optionSynopsis(option: OptionSpec): string {
  const short = option.short === undefined ? '    ' : `-${option.short}, `;
  return `${short}--${option.name}${option.arg === undefined ? '' : ` ${option.arg}`}`;
}

function optionText(option: OptionSpec): string {
  const shown = option.defaultText ?? option.default;
  const notes = [...(option.multiple ? ['repeatable'] : []), ...(shown === undefined ? [] : [`default: ${shown}`])];
  return notes.length === 0 ? option.help : `${option.help} (${notes.join('; ')})`;
}

/** The option rows of a help text, in the order the command lists them. */
export function renderOptions(options: readonly OptionSpec[]): string {
  return renderRows(options.map((option) => [optionSynopsis(option), optionText(option)]));
}

export function renderUsageLines(usage: readonly UsageLine[]): string {
  return renderRows(usage.map((u) => [u.line, u.summary]));
}

/** `hbuild COMMAND --help`: derived from the command's spec and the option table only. */
export function renderCommandHelp(spec: CommandSpec): string {
  const sections = [`Usage:\n${renderUsageLines(spec.usage)}`];
  if (spec.description !== undefined) sections.push(wrap(spec.description, WIDTH).join('\n'));
  if (spec.positionals.length > 0) sections.push(`Arguments:\n${renderRows(spec.positionals.map((p) => [p.name, p.optional ? `${p.help} (optional)` : p.help]))}`);
  sections.push(`Options:\n${renderOptions([...spec.options, OPTIONS.help])}`);
  if (spec.notes !== undefined) sections.push(spec.notes.trimEnd());
  return `${sections.join('\n\n')}\n`;
}

/** `hbuild store --help` and the like: the subcommands of a group, each with its summary. */
export function renderGroupHelp(group: string): string {
  const members = COMMANDS.filter((spec) => spec.command.startsWith(`${group} `));
  return `Usage:\n${renderUsageLines(members.flatMap((spec) => spec.usage))}\n\nRun \`hbuild ${group} COMMAND --help\` for the options of one.\n`;
}

/** Help goes to stdout and is a successful run, so `hbuild vet --help | less` works. */
export function printHelp(text: string): number {
  process.stdout.write(text);
  return EXIT.ok;
}

/** Whether the word after a group (`hbuild store`) asks for the group's help. */
export function isHelpFlag(word: string | undefined): boolean {
  return word === '--help' || word === '-h';
}

/** `hbuild store frobnicate`: names the subcommands there are. */
export function unknownSubcommand(group: string, verb: string | undefined): HbuildError {
  const verbs = COMMANDS.filter((spec) => spec.command.startsWith(`${group} `)).map((spec) => spec.command.slice(group.length + 1));
  const message = verb === undefined ? `no ${group} command given` : `unknown ${group} command ${JSON.stringify(verb)}`;
  return new HbuildError('ERR_USAGE', message, {
    hint: `hbuild ${group} ${verbs.join('|')} ...; run \`hbuild ${group} --help\``,
  });
}
