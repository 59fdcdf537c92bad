import { clean } from '@renovatebot/pep440';
import { HbuildError } from '../core/errors.js';
import { quote } from './display.js';

/** The parts of a wheel file name, per the binary distribution format. */
export interface WheelName {
  /** Project name as escaped in the file name (`_` for `-`). */
  distribution: string;
  version: string;
  build?: string;
  /** `pyver-abi-plat`, each part possibly a `.`-joined compressed tag set. */
  tags: string;
}

// Components never contain `-`; that is what makes the split unambiguous.
const WHEEL_FILE =
  /^([A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?)-([A-Za-z0-9][A-Za-z0-9._!+]*)(?:-([0-9][A-Za-z0-9._]*))?-([A-Za-z0-9._]+)-([A-Za-z0-9._]+)-([A-Za-z0-9._]+)\.whl$/;
const MAX_FILE_NAME = 255;

/** Parse a wheel file name, or undefined when it is not one. */
export function matchWheelName(file: string): WheelName | undefined {
  if (file.length > MAX_FILE_NAME) return undefined;
  const m = WHEEL_FILE.exec(file);
  if (m === null) return undefined;
  const [, distribution, version, build, python, abi, platform] = m;
  if (distribution === undefined || version === undefined || clean(version) === null) return undefined;
  const tags = `${python}-${abi}-${platform}`;
  return build === undefined ? { distribution, version, tags } : { distribution, version, build, tags };
}

/** Parse a wheel file name; throws ERR_WHEEL_INVALID when it is malformed. */
export function parseWheelName(file: string): WheelName {
  const parsed = matchWheelName(file);
  if (parsed !== undefined) return parsed;
  throw new HbuildError('ERR_WHEEL_INVALID', `${quote(file)} is not a valid wheel file name`, {
    hint: 'A wheel file name is {distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl.',
    details: { file },
  });
}
