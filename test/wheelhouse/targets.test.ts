import { describe, expect, it } from 'vitest';
import { platformFor } from '../../src/core/marker-environment.js';
import type { PackageRecord } from '../../src/wheelhouse/package-record.js';
import { distinctWheels, renderPins, type WheelhouseTarget } from '../../src/wheelhouse/targets.js';

const TARGETS: WheelhouseTarget[] = [
  { name: 'py311', image: 'default', rootfs: `sha256:${'1'.repeat(64)}`, platform: platformFor('3.11.2'), lockKeys: new Set() },
  { name: 'py313', image: 'trixie', rootfs: `sha256:${'3'.repeat(64)}`, platform: platformFor('3.13.5'), lockKeys: new Set() },
];

function record(target: string, name: string, version: string, file: string, sha256: string): PackageRecord {
  return { target, name, version, wheel: { file, sha256, size: 1 } } as PackageRecord;
}

describe('one wheelhouse for several targets', () => {
  it('holds a wheel that came out bit-identical on both targets once, naming both', () => {
    const records = [record('py311', 'pure', '1.0', 'pure-1.0-py3-none-any.whl', 'a'.repeat(64)), record('py313', 'pure', '1.0', 'pure-1.0-py3-none-any.whl', 'a'.repeat(64))];

    const wheels = distinctWheels(records);

    expect(wheels.map((w) => [w.record.wheel.file, w.targets])).toEqual([['pure-1.0-py3-none-any.whl', ['py311', 'py313']]]);
  });

  it('refuses one file name with different bytes on two targets, naming both', () => {
    const records = [record('py311', 'pure', '1.0', 'pure-1.0-py3-none-any.whl', 'a'.repeat(64)), record('py313', 'pure', '1.0', 'pure-1.0-py3-none-any.whl', 'b'.repeat(64))];

    expect(() => distinctWheels(records)).toThrow(expect.objectContaining({ code: 'ERR_WHEEL_MISMATCH', message: expect.stringMatching(/differs between target py311 \(sha256 a{64}\) and target py313 \(sha256 b{64}\)/) }));
  });

  it('pins every target\'s hash on one line, and marks what only some targets have', () => {
    const records = [
      record('py311', 'Native_Pkg', '1.0', 'native_pkg-1.0-cp311-cp311-linux_x86_64.whl', 'c'.repeat(64)),
      record('py313', 'Native_Pkg', '1.0', 'native_pkg-1.0-cp313-cp313-linux_x86_64.whl', 'b'.repeat(64)),
      record('py311', 'pure', '1.0', 'pure-1.0-py3-none-any.whl', 'a'.repeat(64)),
      record('py313', 'pure', '1.0', 'pure-1.0-py3-none-any.whl', 'a'.repeat(64)),
      record('py311', 'old', '1.0', 'old-1.0-py3-none-any.whl', 'd'.repeat(64)),
      record('py311', 'split', '1.0', 'split-1.0-py3-none-any.whl', 'e'.repeat(64)),
      record('py313', 'split', '2.0', 'split-2.0-py3-none-any.whl', 'f'.repeat(64)),
    ];

    const lines = renderPins(records, TARGETS);

    expect(lines).toEqual([
      `native-pkg==1.0 --hash=sha256:${'b'.repeat(64)} --hash=sha256:${'c'.repeat(64)}`,
      `old==1.0 ; python_version == "3.11" --hash=sha256:${'d'.repeat(64)}`,
      `pure==1.0 --hash=sha256:${'a'.repeat(64)}`,
      `split==1.0 ; python_version == "3.11" --hash=sha256:${'e'.repeat(64)}`,
      `split==2.0 ; python_version == "3.13" --hash=sha256:${'f'.repeat(64)}`,
    ]);
  });

  it('needs no marker when a run covers one target (--target)', () => {
    const lines = renderPins([record('py313', 'old', '1.0', 'old-1.0-py3-none-any.whl', 'd'.repeat(64))], [TARGETS[1]!]);

    expect(lines).toEqual([`old==1.0 --hash=sha256:${'d'.repeat(64)}`]);
  });
});
