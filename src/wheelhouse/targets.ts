import { HbuildError } from '../core/errors.js';
import type { TargetPlatform } from '../core/marker-environment.js';
import { normalizeName } from '../core/pep503.js';
import type { PackageRecord } from './package-record.js';

/** One target of a run's wheelhouse: its name, platform, and the packages the lock builds for it. */
export interface WheelhouseTarget {
  name: string;
  image: string;
  rootfs: string;
  platform: TargetPlatform;
  /** PEP 503 keys of the lock's packages this target builds (a dependency `--only` left out is told from one the lock lacks). */
  lockKeys: ReadonlySet<string>;
}

/** A wheel as the wheelhouse holds it: once, with every target whose build produced exactly these bytes. */
export interface PublishedWheel {
  record: PackageRecord;
  /** Targets whose builds gave this file; empty in a one-target run. */
  targets: string[];
}

/**
 * Every distinct wheel of the run, once: a pure wheel that came out bit-identical on
 * several targets is one file. The same file name with different bytes on two targets
 * cannot share one folder (nor one `--find-links`), so it is refused, naming both.
 */
export function distinctWheels(records: readonly PackageRecord[]): PublishedWheel[] {
  const byFile = new Map<string, PublishedWheel>();
  for (const record of records) {
    const known = byFile.get(record.wheel.file);
    if (!known) {
      byFile.set(record.wheel.file, { record, targets: record.target ? [record.target] : [] });
      continue;
    }
    if (known.record.wheel.sha256 !== record.wheel.sha256) {
      throw new HbuildError(
        'ERR_WHEEL_MISMATCH',
        `${record.name} ${record.version}: ${record.wheel.file} differs between target ${known.targets[0] ?? '?'} (sha256 ${known.record.wheel.sha256}) and target ${record.target ?? '?'} (sha256 ${record.wheel.sha256}); one wheelhouse cannot hold both under one name`,
        {
          hint: 'its build is not the same on both Pythons although the wheel claims to fit both; find what differs with `hbuild verify`, or build the targets into separate wheelhouses with --target',
          details: { package: record.name, file: record.wheel.file, targets: [...known.targets, record.target], sha256: [known.record.wheel.sha256, record.wheel.sha256] },
        },
      );
    }
    if (record.target && !known.targets.includes(record.target)) known.targets.push(record.target);
  }
  return [...byFile.values()].sort((a, b) => (a.record.wheel.file < b.record.wheel.file ? -1 : 1));
}

/**
 * requirements.txt lines: one per package and version with the hashes of every
 * target's wheel (`name==version --hash=… --hash=…`), so one file installs on any of
 * the targets' Pythons with --require-hashes. A line that only some targets have
 * (Requires-Python or a marker left the others out, or their versions differ) gets
 * a `python_version` marker naming those targets' Pythons.
 */
export function renderPins(records: readonly PackageRecord[], targets: readonly WheelhouseTarget[]): string[] {
  const groups = new Map<string, { key: string; version: string; hashes: Set<string>; targets: Set<string> }>();
  for (const r of records) {
    const key = normalizeName(r.name);
    const id = `${key} ${r.version}`;
    const group = groups.get(id) ?? { key, version: r.version, hashes: new Set<string>(), targets: new Set<string>() };
    group.hashes.add(r.wheel.sha256);
    if (r.target) group.targets.add(r.target);
    groups.set(id, group);
  }
  const all = targets.map((t) => t.name);
  return [...groups.values()]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.version < b.version ? -1 : 1))
    .map((g) => {
      const marker = all.length > 1 && !all.every((t) => g.targets.has(t)) ? ` ; ${pythonMarker(targets.filter((t) => g.targets.has(t.name)))}` : '';
      const hashes = [...g.hashes].sort().map((h) => ` --hash=sha256:${h}`).join('');
      return `${g.key}==${g.version}${marker}${hashes}`;
    });
}

function pythonMarker(targets: readonly WheelhouseTarget[]): string {
  const versions = [...new Set(targets.map((t) => t.platform.markers['python_version']!))].sort();
  return versions.map((v) => `python_version == "${v}"`).join(' or ');
}
