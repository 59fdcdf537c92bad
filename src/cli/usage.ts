import { renderOptions, renderUsageLines } from './command-help.js';
import { BUILD, COMMANDS, EXIT_CODES, IMAGE_BUILD } from './commands.js';

/**
 * `hbuild help`: every way to call hbuild, then the options of the two commands people start
 * with. Built from the command specs so that it cannot list a flag the parser refuses.
 */
export function renderUsage(): string {
  const calls = [
    ...COMMANDS.flatMap((spec) => spec.usage),
    { line: 'hbuild help [COMMAND] | --version', summary: 'this overview, the help of one command, or the version' },
  ];
  const sections = [
    'hbuild — build Python wheels from pinned, vetted sources in network-less containers',
    `Usage:\n${renderUsageLines(calls)}`,
    `Build options:\n${renderOptions(BUILD.options)}`,
    `Image options (hbuild image build):\n${renderOptions(IMAGE_BUILD.options)}`,
    'Every command takes -h, --help for its own arguments and options.',
    EXIT_CODES,
  ];
  return `${sections.join('\n\n')}\n`;
}
