import { describe, expect, it } from 'vitest';
import { callsIn, moduleNames } from '../../src/vet/py-calls.js';
import { pythonStatements } from '../../src/vet/py-statements.js';
import { lineAt, tokenizePython } from '../../src/vet/py-tokenize.js';

function parse(source: string) {
  const views = tokenizePython(source);
  const statements = pythonStatements(views);
  const names = moduleNames(statements);
  return { views, statements, names, calls: statements.flatMap((st, i) => callsIn(st, i, names)) };
}

describe('tokenizePython', () => {
  it('blanks string bodies and comments in the code view, keeping offsets', () => {
    const source = 'x = "requests.get(u)"  # os.system("id")\ny = 1\n';

    const views = tokenizePython(source);

    expect(views.code).toHaveLength(source.length);
    expect(views.code).not.toContain('requests');
    expect(views.code).not.toContain('os.system');
    expect(views.bare).toContain('requests.get(u)');
    expect(views.strings.map((s) => s.body)).toEqual(['requests.get(u)']);
  });

  it('keeps f-string expressions as code', () => {
    const views = tokenizePython('s = f"{exec(x)} and text"\n');

    expect(views.code).toContain('exec(x)');
    expect(views.code).not.toContain('and text');
  });

  it('handles prefixes, escapes, triple quotes and unterminated strings', () => {
    const source = "a = rb'\\''\nb = '''one\n'two'\n'''\nc = 'open\nd = 2\n";

    const views = tokenizePython(source);

    expect(views.strings.map((s) => s.body)).toEqual(["\\'", "one\n'two'\n", 'open']);
    expect(lineAt(views.lineStarts, source.indexOf('d = 2'))).toBe(6);
  });
});

describe('pythonStatements', () => {
  it('joins bracketed continuations and docstrings into one statement', () => {
    const { statements } = parse('def f():\n    """Doc\n    more."""\n    return g(1,\n             2)\n');

    expect(statements.map((s) => s.line)).toEqual([1, 2, 4]);
  });

  it('tells import-time statements from function bodies and the main guard', () => {
    const source = 'import os\nos.getcwd()\ndef f():\n    os.system("x")\nif __name__ == "__main__":\n    os.system("y")\nclass C:\n    z = os.getpid()\n';

    const { statements } = parse(source);

    const byLine = new Map(statements.map((s) => [s.line, s.importTime]));
    expect(byLine.get(2)).toBe(true);
    expect(byLine.get(4)).toBe(false);
    expect(byLine.get(6)).toBe(false);
    expect(byLine.get(8)).toBe(true);
  });
});

describe('callsIn', () => {
  it('resolves aliases, from-imports, dynamic imports and getattr', () => {
    const source = [
      'import subprocess as sp',
      'from os import system as run',
      'from six.moves.urllib.request import urlopen',
      'sp.Popen(["a"])',
      'run("b")',
      'urlopen("c")',
      '__import__("socket").socket()',
      'getattr(__import__("os"), "popen")("d")',
    ].join('\n');

    const { calls } = parse(source);

    const names = calls.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['subprocess.Popen', 'os.system', 'urllib.request.urlopen', 'socket.socket', 'os.popen']));
  });

  it('does not take a local def for the builtin it shadows', () => {
    const { calls } = parse('def compile(x):\n    return x\ncompile(base)\n');

    expect(calls.map((c) => c.name)).toContain('<local>.compile');
  });
});
