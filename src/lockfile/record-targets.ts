import { isMap, isNode, isSeq, type Node, type YAMLMap } from 'yaml';
import { entriesByName, matchBuildRequire } from './package-ids.js';
import type { LoadedLock } from './read.js';
import { column, renderScalar, replaceWheel, type RecordedImage } from './record-edit.js';
import { WheelPin } from './schema.js';
import { applyEdits, contentEnd, nextLineStart, type Edit } from './text-edit.js';
import { parseLockYaml, type LockSource } from './yaml-source.js';
import { admits } from './targets.js';

function flowWheel(pin: WheelPin): string {
  return `{file: ${renderScalar(pin.file)}, sha256: ${renderScalar(pin.sha256)}}`;
}

function flowImage(image: RecordedImage): string {
  return `{debian-packages: [${image.packages.map(renderScalar).join(', ')}], rootfs: ${image.rootfs}}`;
}

/** Where a block entry's next line goes, and the indents its keys and their children use. */
function layout(source: LockSource, text: string, entry: YAMLMap): { at: number; pad: string; step: string; eol: string; lead: string } {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = column(source, (entry.items[0]!.key as Node).range![0]);
  const sdist = entry.get('sdist', true);
  const nested = isMap(sdist) && !sdist.flow ? column(source, (sdist.items[0]!.key as Node).range![0]) - indent : 2;
  const last = entry.items[entry.items.length - 1]!;
  const lastNode = (isNode(last.value) ? last.value : last.key) as Node;
  const at = nextLineStart(source, text, contentEnd(lastNode));
  const lead = at === text.length && !/\r?\n$/.test(text) ? eol : '';
  return { at, pad: ' '.repeat(indent), step: ' '.repeat(nested > 0 ? nested : 2), eol, lead };
}

/** Add `target: value` to an existing per-target mapping, in its own layout. */
function addToMap(source: LockSource, text: string, map: YAMLMap, target: string, value: string): Edit {
  const last = map.items[map.items.length - 1];
  if (map.flow || !last) {
    const end = map.range![1] - 1;
    const close = text.lastIndexOf('}', end);
    return { start: close, end: close, text: `${map.items.length > 0 ? ', ' : ''}${target}: ${value}` };
  }
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const pad = ' '.repeat(column(source, (map.items[0]!.key as Node).range![0]));
  const lastNode = (isNode(last.value) ? last.value : last.key) as Node;
  const at = nextLineStart(source, text, contentEnd(lastNode));
  const lead = at === text.length && !/\r?\n$/.test(text) ? eol : '';
  return { start: at, end: at, text: `${lead}${pad}${target}: ${value}${eol}` };
}

/**
 * The text of a lock with targets, with one target's wheel pins (and derived builder
 * images the lock lacks) recorded under `wheels:` and `builder-images:`: an existing
 * pin of that target is replaced, a missing one added. Only those spans change.
 */
export function recordTargetPinsInText(text: string, loaded: LoadedLock, target: string, wheels: ReadonlyMap<string, WheelPin>, images: ReadonlyMap<string, RecordedImage> = new Map()): string {
  const source = parseLockYaml(text);
  const packages = source.doc.get('packages', true);
  if (!isSeq(packages)) throw new Error('recordTargetPins: lock has no packages sequence');
  // The run names packages as this target's view keys them: a bare name the target holds once, else name==version.
  const admitted = loaded.lock.packages.map((pkg, i) => ({ name: pkg.name, version: pkg.version, i, pkg })).filter((e) => admits(e.pkg, target));
  const byName = entriesByName(admitted);
  const indexOf = new Map<string, number>();
  for (const name of [...wheels.keys(), ...images.keys()]) {
    const match = matchBuildRequire(name, byName);
    if ('entry' in match) indexOf.set(name, match.entry.i);
  }
  const unknown = [...wheels.keys(), ...images.keys()].filter((name) => !indexOf.has(name));
  if (unknown.length > 0) throw new Error(`recordTargetPins: not in the lock for ${target}: ${unknown.join(', ')}`);

  const inner: Edit[] = [];
  const appended: Edit[] = [];
  const indexes = [...new Set(indexOf.values())];
  for (const index of indexes) {
    const key = `${loaded.lock.packages[index]!.name} ${loaded.lock.packages[index]!.version}`;
    const entry = packages.items[index];
    if (!isMap(entry) || entry.items.length === 0) throw new Error(`recordTargetPins: entry for ${key} is not a mapping`);
    const blocks: Array<{ field: string; value: string }> = [];
    const image = [...images].find(([name]) => indexOf.get(name) === index)?.[1];
    const imageMap = entry.get('builder-images', true);
    if (image && !(isMap(imageMap) && imageMap.has(target))) {
      if (isMap(imageMap)) inner.push(addToMap(source, text, imageMap, target, flowImage(image)));
      else blocks.push({ field: 'builder-images', value: flowImage(image) });
    }
    const given = [...wheels].find(([name]) => indexOf.get(name) === index)?.[1];
    if (given) {
      const parsed = WheelPin.safeParse({ file: given.file, sha256: given.sha256 });
      if (!parsed.success) throw new Error(`recordTargetPins: invalid wheel pin for ${key}: ${parsed.error.message}`);
      const wheelMap = entry.get('wheels', true);
      const existing = isMap(wheelMap) ? wheelMap.get(target, true) : undefined;
      if (isMap(existing)) inner.push(...replaceWheel(existing, parsed.data));
      else if (isMap(wheelMap)) inner.push(addToMap(source, text, wheelMap, target, flowWheel(parsed.data)));
      else blocks.push({ field: 'wheels', value: flowWheel(parsed.data) });
    }
    if (blocks.length === 0) continue;
    if (entry.flow) {
      const end = entry.range![1] - 1;
      const close = text.lastIndexOf('}', end);
      appended.push({ start: close, end: close, text: blocks.map((b) => `, ${b.field}: {${target}: ${b.value}}`).join('') });
      continue;
    }
    const { at, pad, step, eol, lead } = layout(source, text, entry);
    appended.push({ start: at, end: at, text: lead + blocks.map((b) => `${pad}${b.field}:${eol}${pad}${step}${target}: ${b.value}${eol}`).join('') });
  }
  // Inner additions first: at an equal offset they belong to the mapping the entry ends with.
  return applyEdits(text, [...inner, ...appended]);
}
