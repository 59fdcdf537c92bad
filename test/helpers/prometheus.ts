const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const VALUE = '[-+]?(?:[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?|Inf)|NaN';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}="(?:[^"\\\\\\n]|\\\\["\\\\n])*",?)*)\\})? (${VALUE})(?: -?[0-9]+)?$`);
const LABEL_PAIR = new RegExp(`(${LABEL})="((?:[^"\\\\\\n]|\\\\["\\\\n])*)"`, 'g');
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * A strict reader of the Prometheus text exposition format 0.0.4: every sample belongs to a family
 * declared once with a known TYPE before its samples, every series appears once, every value is a number,
 * and every histogram's buckets are cumulative up to +Inf, which equals its count. It throws on the first
 * line that breaks a rule. Keys are `name{label="value",…}` with the labels sorted by name, so the order
 * a library writes labels in does not matter.
 */
export function parsePrometheus(text: string): Map<string, number> {
  if (!text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const types = new Map<string, string>();
  const samples = new Map<string, number>();
  for (const [i, line] of text.slice(0, -1).split('\n').entries()) {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') continue;
    if (line.startsWith('#')) {
      const meta = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (!meta) continue;
      const [, keyword, name, rest] = meta as unknown as [string, string, string, string];
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest)) fail('unknown type');
        if (types.has(name)) fail('family declared twice');
        if ([...samples.keys()].some((k) => familyOf(k.replace(/\{.*$/, ''), types) === name)) fail('TYPE after the family\'s samples');
        types.set(name, rest);
      }
      continue;
    }
    const sample = SAMPLE.exec(line) ?? fail('not a sample');
    const [, name, labelText = '', value] = sample as unknown as [string, string, string | undefined, string];
    if (!familyOf(name, types)) fail('sample of an undeclared family');
    const labels = [...labelText.matchAll(LABEL_PAIR)].map(([, k, v]) => [k!, v!] as const).sort(([a], [b]) => (a < b ? -1 : 1));
    if (new Set(labels.map(([k]) => k)).size !== labels.length) fail('a label appears twice');
    const key = labels.length > 0 ? `${name}{${labels.map(([k, v]) => `${k}="${v}"`).join(',')}}` : name;
    if (samples.has(key)) fail('series appears twice');
    samples.set(key, number(value));
  }
  checkHistograms(samples, types);
  return samples;
}

function number(text: string): number {
  return text.endsWith('Inf') ? (text.startsWith('-') ? -Infinity : Infinity) : Number(text);
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && (types.get(base) === 'histogram' || types.get(base) === 'summary') ? base : undefined;
}

function checkHistograms(samples: Map<string, number>, types: Map<string, string>): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, Array<[number, number]>>();
    for (const [key, value] of samples) {
      const m = /^(\w+)_bucket\{(.*)\}$/.exec(key);
      if (!m || m[1] !== family) continue;
      const le = /(?:^|,)le="([^"]*)"/.exec(m[2]!);
      if (!le) throw new Error(`${key}: a bucket without le`);
      const rest = m[2]!.replace(/(?:^|,)le="[^"]*"/, '').replace(/^,/, '');
      series.set(rest, [...(series.get(rest) ?? []), [number(le[1]!), value]]);
    }
    for (const [rest, buckets] of series) {
      buckets.sort(([a], [b]) => a - b);
      const counts = buckets.map(([, n]) => n);
      if (counts.some((n, i) => i > 0 && n < counts[i - 1]!)) throw new Error(`${family}{${rest}}: buckets are not cumulative`);
      if (buckets.at(-1)?.[0] !== Infinity) throw new Error(`${family}{${rest}}: no +Inf bucket`);
      const count = samples.get(rest ? `${family}_count{${rest}}` : `${family}_count`);
      if (count !== counts.at(-1)) throw new Error(`${family}{${rest}}: +Inf bucket ${counts.at(-1)} is not the count ${count}`);
    }
  }
}
