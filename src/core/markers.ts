import { satisfies, valid, validRange } from '@renovatebot/pep440';
import { normalizeName } from './pep503.js';
import { DEFAULT_PLATFORM, HOST_DEPENDENT_MARKERS, LEGACY_MARKER_NAMES, type TargetPlatform } from './marker-environment.js';

/** A marker that cannot be parsed or evaluated for the builder; `message` says why. */
export class MarkerError extends Error {
  override name = 'MarkerError';
}

/** What a marker is evaluated against: the target's platform, and extras. */
export interface MarkerContext {
  /** The target platform; default: the default builder image's (CPython 3.11.2). */
  platform?: TargetPlatform;
  /** Extras requested for the requirement whose marker this is (`extra == "x"`). */
  extras?: ReadonlySet<string>;
  /** PEP 751 `extras` and `dependency_groups` sets. */
  lockExtras?: ReadonlySet<string>;
  dependencyGroups?: ReadonlySet<string>;
}

type Token = { kind: 'str'; value: string } | { kind: 'name'; value: string } | { kind: 'op'; value: string } | { kind: 'paren'; value: '(' | ')' };

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'cmp'; left: Token; op: string; right: Token };

const MAX_MARKER_LENGTH = 2000;
const OPERATORS = ['===', '==', '!=', '<=', '>=', '~=', '<', '>'];

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      tokens.push({ kind: 'paren', value: ch });
      i++;
    } else if (ch === '"' || ch === "'") {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) throw new MarkerError('unterminated string');
      tokens.push({ kind: 'str', value: text.slice(i + 1, end) });
      i = end + 1;
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op) {
        tokens.push({ kind: 'op', value: op });
        i += op.length;
        continue;
      }
      const word = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i))?.[0];
      if (!word) throw new MarkerError(`unexpected ${JSON.stringify(ch)}`);
      tokens.push(word === 'in' || word === 'not' ? { kind: 'op', value: word } : { kind: 'name', value: word });
      i += word.length;
    }
  }
  return tokens;
}

/** Parse a PEP 508 environment marker; throws MarkerError on bad syntax. */
export function parseMarker(text: string): Node {
  if (text.length > MAX_MARKER_LENGTH) throw new MarkerError(`longer than ${MAX_MARKER_LENGTH} characters`);
  const tokens = tokenize(text);
  let pos = 0;
  let depth = 0;
  const peek = (): Token | undefined => tokens[pos];
  const word = (w: string): boolean => {
    const t = peek();
    return t !== undefined && t.kind === 'name' && t.value === w;
  };
  const value = (): Token => {
    const t = tokens[pos++];
    if (!t || (t.kind !== 'str' && t.kind !== 'name')) throw new MarkerError('expected a marker variable or a quoted string');
    return t;
  };
  const expr = (): Node => {
    const t = peek();
    if (t?.kind === 'paren' && t.value === '(') {
      pos++;
      if (++depth > 32) throw new MarkerError('nested too deeply');
      const inner = or();
      depth--;
      const close = tokens[pos++];
      if (close?.kind !== 'paren' || close.value !== ')') throw new MarkerError('expected ")"');
      return inner;
    }
    const left = value();
    let op = tokens[pos++];
    if (op?.kind !== 'op') throw new MarkerError('expected a comparison operator');
    let opText = op.value;
    if (opText === 'not') {
      op = tokens[pos++];
      if (op?.kind !== 'op' || op.value !== 'in') throw new MarkerError('expected "in" after "not"');
      opText = 'not in';
    }
    return { kind: 'cmp', left, op: opText, right: value() };
  };
  const and = (): Node => {
    let left = expr();
    while (word('and')) {
      pos++;
      left = { kind: 'and', left, right: expr() };
    }
    return left;
  };
  const or = (): Node => {
    let left = and();
    while (word('or')) {
      pos++;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const node = or();
  if (pos !== tokens.length) throw new MarkerError('unexpected text after the marker');
  return node;
}

type Value = string | ReadonlySet<string>;

function resolve(token: Token, context: MarkerContext, extra: string): Value {
  if (token.kind === 'str') return token.value;
  const name = LEGACY_MARKER_NAMES[token.value] ?? token.value;
  if (name === 'extra') return extra;
  if (name === 'extras') return context.lockExtras ?? new Set();
  if (name === 'dependency_groups') return context.dependencyGroups ?? new Set();
  if (HOST_DEPENDENT_MARKERS.has(name)) throw new MarkerError(`${name} depends on the build host's kernel, not on the builder`);
  const known = (context.platform ?? DEFAULT_PLATFORM).markers[name];
  if (known === undefined) throw new MarkerError(`unknown marker variable ${name}`);
  return known;
}

function compare(left: Value, op: string, right: Value, isExtra: boolean): boolean {
  if (op === 'in' || op === 'not in') {
    const found = typeof right === 'string' ? typeof left === 'string' && right.includes(left) : typeof left === 'string' && right.has(left);
    return op === 'in' ? found : !found;
  }
  if (typeof left !== 'string' || typeof right !== 'string') throw new MarkerError(`cannot compare a set with ${op}`);
  const [l, r] = isExtra ? [normalizeName(left), normalizeName(right)] : [left, right];
  if (op !== '===' && valid(l) !== null && validRange(`${op}${r}`)) {
    // The variable's value is the version; the literal is the specifier's operand.
    return satisfies(l, `${op}${r}`, { prereleases: true });
  }
  if (op === '==' || op === '===') return l === r;
  if (op === '!=') return l !== r;
  throw new MarkerError(`cannot compare ${JSON.stringify(l)} ${op} ${JSON.stringify(r)}: not versions`);
}

function evaluateWith(node: Node, context: MarkerContext, extra: string): boolean {
  if (node.kind !== 'cmp') {
    const left = evaluateWith(node.left, context, extra);
    return node.kind === 'and' ? left && evaluateWith(node.right, context, extra) : left || evaluateWith(node.right, context, extra);
  }
  const isExtra = [node.left, node.right].some((t) => t.kind === 'name' && t.value === 'extra');
  const left = resolve(node.left, context, extra);
  const right = resolve(node.right, context, extra);
  if (node.right.kind === 'name' && node.left.kind === 'str' && node.op !== 'in' && node.op !== 'not in') {
    // `"3.8" < python_version`: flip so the version is on the left.
    const flipped: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };
    return compare(right, flipped[node.op] ?? node.op, left, isExtra);
  }
  return compare(left, node.op, right, isExtra);
}

/**
 * Whether a marker holds for the builder. With extras requested it holds when it
 * holds for any one of them (or for none, as `extra == ""`), as pip evaluates them.
 */
export function evaluateMarker(marker: string, context: MarkerContext = {}): boolean {
  const node = parseMarker(marker);
  const extras = [...(context.extras ?? [])];
  if (extras.length === 0) return evaluateWith(node, context, '');
  return ['', ...extras].some((extra) => evaluateWith(node, context, extra));
}
