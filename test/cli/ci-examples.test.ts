import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILD, COMMANDS } from '../../src/cli/commands.js';
import type { CommandSpec } from '../../src/cli/command-spec.js';
import { parseCommand } from '../../src/cli/parse-command.js';
import { ROOT } from '../helpers/spawn.js';

// The CI recipes in examples/ci/ must run commands the real CLI accepts: every `hbuild …` line
// they run is parsed by the real option table, and every file they name must exist here.

interface Recipe {
  file: string;
  /** Every shell script the recipe runs. */
  scripts: string[];
  /** Its variables (GitHub `env:`, GitLab `variables:`). */
  variables: Record<string, string>;
}

function githubRecipe(file: string): Recipe {
  const doc = parse(readFileSync(join(ROOT, file), 'utf8')) as { env?: Record<string, string>; jobs: Record<string, { steps: Array<{ run?: string }> }> };
  return { file, variables: doc.env ?? {}, scripts: Object.values(doc.jobs).flatMap((job) => job.steps.flatMap((s) => (s.run === undefined ? [] : [s.run]))) };
}

function gitlabRecipe(file: string): Recipe {
  const doc = parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, { script?: string[]; before_script?: string[] } | unknown>;
  const scripts: string[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'variables' || typeof value !== 'object' || value === null) continue;
    const job = value as { script?: string[]; before_script?: string[] };
    scripts.push(...(job.before_script ?? []), ...(job.script ?? []));
  }
  return { file, variables: (doc.variables ?? {}) as Record<string, string>, scripts };
}

/** Shell words of one command line: quotes removed, `$NAME` replaced from the recipe's variables. */
function words(line: string, variables: Record<string, string>): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const word = m[1] ?? m[2] ?? m[3] ?? '';
    out.push(word.replace(/\$\{?([A-Z_][A-Z0-9_]*)\}?/g, (all, name: string) => variables[name] ?? all));
  }
  return out;
}

/** The `hbuild …` commands of a recipe, continuation lines joined. */
function hbuildCommands(recipe: Recipe): string[][] {
  const commands: string[][] = [];
  for (const script of recipe.scripts) {
    for (const line of script.replace(/\\\n\s*/g, ' ').split('\n')) {
      const trimmed = line.trim();
      if (/^hbuild\s/.test(trimmed)) commands.push(words(trimmed, recipe.variables).slice(1));
      else expect(trimmed, `${recipe.file}: hbuild must start the line, not hide inside it`).not.toMatch(/(^|[;&|]\s*)hbuild\s/);
    }
  }
  return commands;
}

/** The command spec a command line calls, and its arguments: the longest `command` that prefixes it. */
function specFor(argv: string[]): { spec: CommandSpec; rest: string[] } {
  const specs = [...COMMANDS].sort((a, b) => b.command.split(' ').length - a.command.split(' ').length);
  for (const spec of specs) {
    const head = spec.command.split(' ');
    if (head.every((w, i) => argv[i] === w)) return { spec, rest: argv.slice(head.length) };
  }
  return { spec: BUILD, rest: argv };
}

const RECIPES = [githubRecipe('examples/ci/github-actions.yml'), gitlabRecipe('examples/ci/gitlab-ci.yml')];

describe.each(RECIPES)('the CI recipe $file', (recipe) => {
  it('runs vet (SARIF), build, attest verify, publish and verify, each accepted by the real option table', () => {
    const commands = hbuildCommands(recipe);

    const called = commands.map((argv) => {
      const { spec, rest } = specFor(argv);
      const parsed = parseCommand(spec, rest);
      expect(parsed.help, argv.join(' ')).toBe(false);
      return spec.command;
    });

    expect(new Set(called)).toEqual(new Set(['vet', 'build', 'attest verify', 'publish', 'verify']));
    const vet = commands.find((argv) => argv[0] === 'vet');
    expect(vet?.slice(vet.indexOf('--format'), vet.indexOf('--format') + 2)).toEqual(['--format', 'sarif']);
  });

  it('names only files and folders that exist in this repository', () => {
    const text = readFileSync(join(ROOT, recipe.file), 'utf8').replaceAll('"$PWD/', '"');
    const named = new Set([...text.matchAll(/(?<![\w/.$-])(?:scripts|examples|recipes|images|bin)\/[A-Za-z0-9_.\/-]*[A-Za-z0-9_]/g)].map((m) => m[0]));
    for (const argv of hbuildCommands(recipe)) {
      const { spec, rest } = specFor(argv);
      const parsed = parseCommand(spec, rest);
      if (parsed.help) continue;
      const args = parsed.args as Record<string, string | undefined>;
      if (args.lock !== undefined) named.add(args.lock);
      const recipes = (parsed.values as Record<string, unknown>).recipes;
      if (typeof recipes === 'string') named.add(recipes);
    }

    expect(named.size).toBeGreaterThan(3);
    for (const path of named) expect(existsSync(join(ROOT, path)), `${recipe.file} names ${path}`).toBe(true);
    expect(statSync(join(ROOT, 'scripts/setup.sh')).isFile()).toBe(true);
  });
});

describe('the README', () => {
  it('links both CI recipes', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

    expect(readme).toContain('](examples/ci/github-actions.yml)');
    expect(readme).toContain('](examples/ci/gitlab-ci.yml)');
  });
});
