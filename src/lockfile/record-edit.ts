import { applyEdits, contentEnd, nextLineStart, type Edit } from './text-edit.js';
import { isMap, isNode, isScalar, isSeq, parse, type Node, type YAMLMap } from 'yaml';
import { entriesByName, matchBuildRequire, packageId } from './package-ids.js';
import type { LoadedLock } from './read.js';
import { WheelPin } from './schema.js';
import { parseLockYaml, type LockSource } from './yaml-source.js';

const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._+!-]*$/;

/** Plain when YAML would read it back as the same string, double-quoted otherwise. */
export function renderScalar(value: string): string {
  return PLAIN.test(value) && parse(value) === value ? value : JSON.stringify(value);
}

export function column(source: LockSource, offset: number): number {
  return source.lineCounter.linePos(offset).col - 1;
}

export function replaceWheel(wheel: YAMLMap, pin: WheelPin): Edit[] {
  const edits: Edit[] = [];
  for (const field of ['file', 'sha256'] as const) {
    const node = wheel.get(field, true);
    if (!isScalar(node) || !node.range) throw new Error(`recordWheels: wheel.${field} is not a scalar`);
    if (node.value !== pin[field]) edits.push({ start: node.range[0], end: node.range[1], text: renderScalar(pin[field]) });
  }
  return edits;
}

/** A derived builder image's pin, as `--record` writes it. */
export interface RecordedImage {
  packages: string[];
  rootfs: string;
}

/** New `builder-image:` and `wheel:` mappings appended to an entry, in its own layout. */
function insertPins(source: LockSource, text: string, entry: YAMLMap, pin: WheelPin | undefined, image: RecordedImage | undefined): Edit {
  const file = pin && renderScalar(pin.file);
  const sha256 = pin && renderScalar(pin.sha256);
  const packages = image && `[${image.packages.map(renderScalar).join(', ')}]`;
  const last = entry.items[entry.items.length - 1]!;
  const lastNode = (isNode(last.value) ? last.value : last.key) as Node;
  if (entry.flow) {
    const at = lastNode.range![1];
    const parts = [
      ...(image ? [`builder-image: {debian-packages: ${packages}, rootfs: ${image.rootfs}}`] : []),
      ...(pin ? [`wheel: {file: ${file}, sha256: ${sha256}}`] : []),
    ];
    return { start: at, end: at, text: parts.map((p) => `, ${p}`).join('') };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = column(source, (entry.items[0]!.key as Node).range![0]);
  const sdist = entry.get('sdist', true);
  const nested = isMap(sdist) && !sdist.flow ? column(source, (sdist.items[0]!.key as Node).range![0]) - indent : 2;
  const pad = ' '.repeat(indent);
  const step = ' '.repeat(nested > 0 ? nested : 2);
  const at = nextLineStart(source, text, contentEnd(lastNode));
  const lead = at === text.length && !/\r?\n$/.test(text) ? eol : '';
  const imageBlock = image ? `${pad}builder-image:${eol}${pad}${step}debian-packages: ${packages}${eol}${pad}${step}rootfs: ${image.rootfs}${eol}` : '';
  const wheelBlock = pin ? `${pad}wheel:${eol}${pad}${step}file: ${file}${eol}${pad}${step}sha256: ${sha256}${eol}` : '';
  return { start: at, end: at, text: lead + imageBlock + wheelBlock };
}

/**
 * The lock text with each package's `wheel:` pin added or replaced. Only those spans
 * change: comments, key order and layout elsewhere are kept byte for byte.
 * `loaded` must be `text` as parsed by parseLock.
 */
export function recordWheelsInText(text: string, loaded: LoadedLock, wheels: ReadonlyMap<string, WheelPin>, images: ReadonlyMap<string, RecordedImage> = new Map()): string {
  const source = parseLockYaml(text);
  const packages = source.doc.get('packages', true);
  if (!isSeq(packages)) throw new Error('recordWheels: lock has no packages sequence');
  const byName = entriesByName(loaded.lock.packages.map((pkg, i) => ({ name: pkg.name, version: pkg.version, i })));
  // Entries are found by name and version (`name==version`), or by a name the lock holds once.
  const found = new Map<string, number>();
  for (const name of [...wheels.keys(), ...images.keys()]) {
    const match = matchBuildRequire(name, byName);
    if ('entry' in match) found.set(name, match.entry.i);
  }
  const unknown = [...wheels.keys(), ...images.keys()].filter((name) => !found.has(name));
  if (unknown.length > 0) throw new Error(`recordWheels: not in the lock: ${unknown.join(', ')}`);
  const keyOf = (name: string): string => {
    const pkg = loaded.lock.packages[found.get(name)!]!;
    return packageId(pkg.name, pkg.version);
  };
  const imageFor = (key: string): RecordedImage | undefined => [...images].find(([name]) => keyOf(name) === key)?.[1];
  const indexByKey = new Map([...found].map(([name, i]) => [keyOf(name), i]));

  const edits: Edit[] = [];
  const seen = new Set<string>();
  for (const [name, wheel] of wheels) {
    const key = keyOf(name);
    if (seen.has(key)) throw new Error(`recordWheels: ${name} is given twice`);
    seen.add(key);
    const parsed = WheelPin.safeParse({ file: wheel.file, sha256: wheel.sha256 });
    if (!parsed.success) throw new Error(`recordWheels: invalid wheel pin for ${name}: ${parsed.error.message}`);
    const pin = parsed.data;
    const entry = packages.items[indexByKey.get(key)!];
    if (!isMap(entry) || entry.items.length === 0) throw new Error(`recordWheels: entry for ${name} is not a mapping`);
    const existing = entry.get('wheel', true);
    const image = entry.has('builder-image') ? undefined : imageFor(key);
    if (isMap(existing)) {
      edits.push(...replaceWheel(existing, pin));
      if (image) edits.push(insertPins(source, text, entry, undefined, image));
    } else edits.push(insertPins(source, text, entry, pin, image));
  }
  for (const [name, image] of images) {
    const key = keyOf(name);
    if (seen.has(key)) continue;
    const entry = packages.items[indexByKey.get(key)!];
    if (!isMap(entry) || entry.items.length === 0) throw new Error(`recordWheels: entry for ${name} is not a mapping`);
    if (!entry.has('builder-image')) edits.push(insertPins(source, text, entry, undefined, image));
  }
  return applyEdits(text, edits);
}
