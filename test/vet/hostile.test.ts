import { describe, expect, it } from 'vitest';
import { pythonFacts } from '../../src/vet/py-facts.js';
import { textFacts } from '../../src/vet/text-facts.js';

const SIZE = 1024 * 1024;

function fill(unit: string): string {
  return unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
}

/** Inputs built to make a backtracking regex or a per-match rescan go quadratic. */
const HOSTILE: Record<string, () => string> = {
  'spaced attribute chain': () => fill('a . '),
  'curl && chains in a string': () => `x = "${fill('curl && ')}"`,
  'curl without a pipe': () => `x = "${fill('curl x ')}"`,
  'alternating quotes': () => fill(`'"`),
  'a million dynamic imports in one statement': () => fill('__import__("a")'),
  'unclosed calls': () => fill('f('),
  'zero-width spaces': () => `x = "${fill('\u200b')}"`,
  'empty lines': () => fill('\n'),
  'class headers': () => fill('class A(install):\n'),
  'string statements': () => fill('"a" '),
  'for with endless whitespace': () => `for ${' '.repeat(SIZE)}`,
  'cmdclass keys': () => `cmdclass = {${fill("'install': X, ")}}`,
};

describe('vetting hostile text stays linear', () => {
  it.each(Object.keys(HOSTILE))('%s', (name) => {
    const source = HOSTILE[name]!();

    const started = performance.now();
    pythonFacts(source);
    textFacts(source, 'script');
    const seconds = (performance.now() - started) / 1000;

    expect(seconds).toBeLessThan(5);
  });
});
