import { join } from 'node:path';
import { matchWheelName } from '../check/wheel-name.js';
import { normalizeName } from '../core/pep503.js';
import type { AttestProblem } from './problem.js';
import { decodeUtf8, readLimited } from './read-limited.js';
import { renderSbom, RUNTIME_PROPERTY } from './sbom.js';
import type { SbomStatement } from './schema.js';
import { SBOM_FILE, SBOM_STATEMENT_FILE, ATTESTATIONS_DIR } from './vocabulary.js';

const MAX_LIST_BYTES = 8 * 1024 * 1024;
const MAX_SBOM_BYTES = 128 * 1024 * 1024;
const SUMS_LINE = /^([0-9a-f]{64}) {2}([^/\\\x00-\x1f\x7f]+)$/;
/** `name==version`, in a wheelhouse of several targets maybe a `python_version` marker, then one hash per target's wheel. */
const REQUIREMENT_LINE = /^(\S+)==(\S+)(?: ; python_version == "\d+\.\d+"(?: or python_version == "\d+\.\d+")*)?((?: --hash=sha256:[0-9a-f]{64}){1,16})$/;
const SBOM_STATEMENT = `${ATTESTATIONS_DIR}/${SBOM_STATEMENT_FILE}`;

/** `wheel file → sha256` of what is actually in the wheelhouse. */
export type WheelDigests = Map<string, string>;

/** SHA256SUMS must list every wheel once, with the digest it has now. */
export async function checkSums(dir: string, wheels: WheelDigests): Promise<AttestProblem[]> {
  const file = 'SHA256SUMS';
  const lines = await readLines(dir, file);
  if (typeof lines === 'string') return [{ file, message: lines }];
  const problems: AttestProblem[] = [];
  const listed = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const m = SUMS_LINE.exec(line);
    if (m === null) {
      problems.push({ file, message: `line ${i + 1} is not "<sha256>  <file>"` });
      continue;
    }
    const [, digest, name] = m as unknown as [string, string, string];
    const actual = wheels.get(name);
    if (listed.has(name)) problems.push({ file, message: `lists ${name} twice` });
    else if (actual === undefined) problems.push({ file, message: `lists ${name}, which is not in the wheelhouse` });
    else if (actual !== digest) problems.push({ file, message: `says ${name} has sha256 ${digest}, but it has ${actual}` });
    listed.add(name);
  }
  for (const name of wheels.keys()) if (!listed.has(name)) problems.push({ file, message: `does not list ${name}` });
  return problems;
}

const REQUIREMENTS = 'requirements.txt';
const BUILD_REQUIREMENTS = 'build-requirements.txt';
const INCLUDE_LINE = `-r ${REQUIREMENTS}`;

/**
 * Every pin in requirements.txt and build-requirements.txt must be the digest of the
 * wheel it names, and every wheel must be pinned in exactly one of them. `runtime`
 * (the wheels the signed SBOM says requirements.txt installs) decides which one:
 * a build-only wheel moved into requirements.txt would be installed at run time.
 * Without it (the SBOM could not be trusted) only the split itself is checked. A
 * wheelhouse from before build-requirements.txt has none, and pins everything in
 * requirements.txt.
 */
export async function checkRequirements(dir: string, wheels: WheelDigests, runtime?: ReadonlySet<string>): Promise<AttestProblem[]> {
  const problems: AttestProblem[] = [];
  const main = await readPins(dir, REQUIREMENTS, wheels, problems);
  const build = await readPins(dir, BUILD_REQUIREMENTS, wheels, problems, { optional: true, include: INCLUDE_LINE });
  // pip refuses two pins of one name in one install: of a build backend the wheelhouse holds
  // several versions of, one is pinned and the others need not be.
  const pinnedNames = new Set([...main, ...build].map(distributionOf));
  for (const name of wheels.keys()) {
    const inMain = main.has(name);
    const inBuild = build.has(name);
    const belongs = runtime === undefined ? undefined : runtime.has(name) ? REQUIREMENTS : BUILD_REQUIREMENTS;
    const anotherVersionPinned = pinnedNames.has(distributionOf(name)) && belongs !== REQUIREMENTS;
    if (inMain && inBuild) problems.push({ file: BUILD_REQUIREMENTS, message: `pins ${name}, which ${REQUIREMENTS} pins too` });
    else if (!inMain && !inBuild && !anotherVersionPinned) problems.push({ file: belongs ?? REQUIREMENTS, message: `does not pin ${name}` });
    else if (belongs === BUILD_REQUIREMENTS && inMain) {
      problems.push({ file: REQUIREMENTS, message: `pins ${name}, which the signed SBOM records as build-only: installing ${REQUIREMENTS} would install it` });
    } else if (belongs === REQUIREMENTS && inBuild) {
      problems.push({ file: BUILD_REQUIREMENTS, message: `pins ${name}, which the signed SBOM records as a runtime package of ${REQUIREMENTS}` });
    }
  }
  return problems;
}

/** The normalised distribution name of a wheel file (the file itself when it is not a wheel name). */
function distributionOf(wheel: string): string {
  const parsed = matchWheelName(wheel);
  return parsed === undefined ? wheel : normalizeName(parsed.distribution);
}

/** The wheels one requirements file pins, each checked against the wheel's digest; problems go to `problems`. */
async function readPins(
  dir: string,
  file: string,
  wheels: WheelDigests,
  problems: AttestProblem[],
  options: { optional?: boolean; include?: string } = {},
): Promise<Set<string>> {
  const pinned = new Set<string>();
  const lines = await readLines(dir, file);
  if (typeof lines === 'string') {
    // readLimited's words for ENOENT: an optional file may be absent.
    if (!(options.optional === true && lines === 'does not exist')) problems.push({ file, message: lines });
    return pinned;
  }
  const byDigest = new Map([...wheels].map(([name, digest]) => [digest, name]));
  let included = 0;
  for (const [i, line] of lines.entries()) {
    if (line === '' || line.startsWith('#')) continue;
    if (options.include !== undefined && line === options.include) {
      if (++included > 1) problems.push({ file, message: `line ${i + 1} includes ${REQUIREMENTS} again` });
      continue;
    }
    const m = REQUIREMENT_LINE.exec(line);
    if (m === null) {
      problems.push({ file, message: `line ${i + 1} is not "name==version --hash=sha256:<hex>" (with one --hash per target's wheel, maybe after a python_version marker)` });
      continue;
    }
    const [, name, version, hashes] = m as unknown as [string, string, string, string];
    for (const digest of hashes.trim().split(' ').map((h) => h.slice('--hash=sha256:'.length))) {
      const wheel = byDigest.get(digest);
      const parsed = wheel === undefined ? undefined : matchWheelName(wheel);
      if (wheel === undefined || parsed === undefined) problems.push({ file, message: `pins ${name}==${version} to sha256 ${digest}, which no wheel here has` });
      else if (normalizeName(parsed.distribution) !== normalizeName(name)) problems.push({ file, message: `pins ${name} to the sha256 of ${wheel}` });
      else if (pinned.has(wheel)) problems.push({ file, message: `pins ${wheel} twice` });
      if (wheel !== undefined) pinned.add(wheel);
    }
  }
  if (options.include !== undefined && included === 0) problems.push({ file, message: `does not include ${REQUIREMENTS} (a line "${options.include}")` });
  return pinned;
}

/** The wheels the signed SBOM says requirements.txt installs (a component without the flag: from before, so yes). */
export function runtimeWheels(signed: SbomStatement): Set<string> {
  const runtime = new Set<string>();
  for (const component of signed.predicate.components) {
    const wheel = component.properties.find((p) => p.name === 'hbuild:wheel:file')?.value;
    const flag = component.properties.find((p) => p.name === RUNTIME_PROPERTY)?.value;
    if (wheel !== undefined && flag !== 'false') runtime.add(wheel);
  }
  return runtime;
}

/**
 * sbom.cdx.json must be, byte for byte, the SBOM that was signed; its subjects
 * and its components' SHA-256 hashes must be the wheels that are here.
 */
export async function checkSbom(dir: string, signed: SbomStatement, wheels: WheelDigests): Promise<AttestProblem[]> {
  const problems: AttestProblem[] = [];
  const text = await readLimited(join(dir, SBOM_FILE), MAX_SBOM_BYTES, { noFollow: true }).then(
    (data) => data.toString('utf8'),
    (err: Error) => {
      problems.push({ file: SBOM_FILE, message: err.message });
      return undefined;
    },
  );
  if (text !== undefined && text !== renderSbom(signed.predicate)) {
    problems.push({ file: SBOM_FILE, message: `differs from the signed SBOM in ${SBOM_STATEMENT}` });
  }
  const subjects = new Map(signed.subject.map((s) => [s.name, s.digest.sha256]));
  if (subjects.size !== signed.subject.length) problems.push({ file: SBOM_STATEMENT, message: 'names a subject twice' });
  compare(subjects, wheels, SBOM_STATEMENT, 'subject', problems);
  const components = new Map<string, string>();
  for (const component of signed.predicate.components) {
    // Debian packages of the builder image that wheels need at run time: no wheel of this wheelhouse.
    if (component.purl.startsWith('pkg:deb/')) continue;
    const wheel = component.properties.find((p) => p.name === 'hbuild:wheel:file')?.value;
    const hashes = component.hashes.filter((h) => h.alg === 'SHA-256');
    if (wheel === undefined || hashes.length !== 1 || components.has(wheel)) {
      problems.push({ file: SBOM_STATEMENT, message: `component ${component['bom-ref']} does not name exactly one wheel with one SHA-256 hash` });
      continue;
    }
    components.set(wheel, (hashes[0] as { content: string }).content);
  }
  compare(components, wheels, SBOM_STATEMENT, 'component for', problems);
  return problems;
}

function compare(claimed: Map<string, string>, wheels: WheelDigests, file: string, what: string, problems: AttestProblem[]): void {
  for (const [name, digest] of claimed) {
    const actual = wheels.get(name);
    if (actual === undefined) problems.push({ file, message: `has a ${what} ${name}, which is not in the wheelhouse` });
    else if (actual !== digest) problems.push({ file, message: `records SHA-256 ${digest} for ${name}, but the wheel has ${actual}` });
  }
  for (const name of wheels.keys()) if (!claimed.has(name)) problems.push({ file, message: `has no ${what} ${name}` });
}

async function readLines(dir: string, file: string): Promise<string[] | string> {
  try {
    const text = decodeUtf8(await readLimited(join(dir, file), MAX_LIST_BYTES, { noFollow: true }));
    if (text === '') return [];
    if (!text.endsWith('\n')) return 'does not end with a newline';
    return text.slice(0, -1).split('\n');
  } catch (err) {
    return err instanceof TypeError ? 'is not UTF-8 text' : (err as Error).message;
  }
}
