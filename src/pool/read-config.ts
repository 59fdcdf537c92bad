import { readFile } from 'node:fs/promises';
import { HbuildError } from '../core/errors.js';
import type { EngineAddress } from '../engine/index.js';
import { formatPath, formatProblem, type Problem } from '../lockfile/lock-problems.js';
import { checkDocument, lineOf, parseLockYaml } from '../lockfile/yaml-source.js';
import { MAX_ENGINES, PoolEngine, PoolFile } from './schema.js';

/** One engine of a pool, ready to connect to. */
export interface PoolMemberConfig {
  /** How messages, events and metrics name it: its address. */
  name: string;
  address: EngineAddress;
  slots: number;
}

export interface PoolConfig {
  members: PoolMemberConfig[];
  recheckMs: number;
  attempts: number;
}

const MAX_FILE_BYTES = 256 * 1024;
const DEFAULTS = { recheckMs: 30_000, attempts: 3 };

/**
 * `ADDRESS[,slots=N][,certs=DIR][,host-key=SHA256:…]`, as `--engine` takes it. The address
 * is checked the same way as a pool file's: plain TCP is refused, SSH needs its host key.
 */
export function parseEngineFlag(raw: string, env: NodeJS.ProcessEnv = process.env): PoolMemberConfig {
  const [address = '', ...rest] = raw.split(',');
  const entry: Record<string, unknown> = { address };
  for (const part of rest) {
    const at = part.indexOf('=');
    const key = at < 0 ? part : part.slice(0, at);
    const value = at < 0 ? '' : part.slice(at + 1);
    if (!['slots', 'certs', 'host-key'].includes(key) || value === '' || key in entry) {
      throw new HbuildError('ERR_USAGE', `--engine ${JSON.stringify(raw)}: cannot read ${JSON.stringify(part)}`, {
        hint: 'write --engine ADDRESS[,slots=N][,certs=DIR][,host-key=SHA256:…], e.g. --engine tcp://10.0.0.2:2376,slots=4,certs=/etc/hbuild/b',
      });
    }
    entry[key] = key === 'slots' ? (/^\d{1,3}$/.test(value) ? Number(value) : value) : value;
  }
  const parsed = PoolEngine.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HbuildError('ERR_USAGE', `--engine ${JSON.stringify(raw)}: ${formatPath(issue?.path as Array<string | number>) || 'value'}: ${issue?.message}`, {
      hint: 'slots is a whole number from 1 to 64; see "A pool of engines" in the README',
    });
  }
  const member = toMember(parsed.data, env);
  if (typeof member === 'string') throw new HbuildError('ERR_USAGE', `--engine ${JSON.stringify(raw)}: ${member}`, { hint: HINT });
  return member;
}

const HINT = 'see "A pool of engines" in the README';

/** The pool of the repeated `--engine` flags; duplicates are refused. */
export function poolFromFlags(flags: readonly string[], env: NodeJS.ProcessEnv = process.env): PoolConfig {
  if (flags.length > MAX_ENGINES) throw new HbuildError('ERR_USAGE', `at most ${MAX_ENGINES} --engine flags`);
  const members = flags.map((flag) => parseEngineFlag(flag, env));
  const duplicate = members.find((m, i) => members.findIndex((o) => o.name === m.name) !== i);
  if (duplicate) throw new HbuildError('ERR_USAGE', `--engine ${duplicate.name} is given twice`, { hint: 'name each engine once; give it more slots instead' });
  return { members, ...DEFAULTS };
}

/** Read a pool file; every problem is reported at once, each with its line. */
export async function readPoolFile(path: string, env: NodeJS.ProcessEnv = process.env): Promise<PoolConfig> {
  let text: string;
  try {
    const bytes = await readFile(path);
    if (bytes.length > MAX_FILE_BYTES) throw new HbuildError('ERR_USAGE', `${path}: larger than ${MAX_FILE_BYTES} bytes; a pool file is a short list of engines`);
    text = bytes.toString('utf8');
  } catch (err) {
    if (err instanceof HbuildError) throw err;
    throw new HbuildError('ERR_USAGE', `cannot read the pool file ${path}: ${(err as Error).message}`, { hint: 'pass --engines FILE naming a YAML pool file', cause: err });
  }
  return parsePoolText(path, text, env);
}

export function parsePoolText(path: string, text: string, env: NodeJS.ProcessEnv = process.env): PoolConfig {
  const source = parseLockYaml(text);
  const checked = checkDocument(source);
  const fail = (problems: Problem[]): never => {
    throw new HbuildError('ERR_USAGE', `${path} is not a valid pool file:\n${problems.map((p) => `  ${formatProblem(path, p)}`).join('\n')}`, {
      hint: HINT,
      details: { problems },
    });
  };
  if (checked.blocking || checked.problems.length > 0) fail(checked.problems);
  const parsed = PoolFile.safeParse(source.doc.toJS());
  if (!parsed.success) {
    fail(
      parsed.error.issues.map((issue) => {
        const at = issue.path as Array<string | number>;
        const unknown = issue.code === 'unrecognized_keys' ? issue.keys : [];
        const keyPath = unknown.length > 0 ? [...at, unknown[0]!] : at;
        return { path: formatPath(keyPath), line: lineOf(source, keyPath, unknown.length > 0 ? 'key' : undefined), message: issue.message };
      }),
    );
  }
  const file = parsed.data!;
  const problems: Problem[] = [];
  const members: PoolMemberConfig[] = [];
  for (const [i, entry] of file.engines.entries()) {
    const member = toMember(entry, env);
    if (typeof member === 'string') problems.push({ path: formatPath(['engines', i, 'address']), line: lineOf(source, ['engines', i, 'address']), message: member });
    else if (members.some((m) => m.name === member.name)) problems.push({ path: formatPath(['engines', i, 'address']), line: lineOf(source, ['engines', i, 'address']), message: `${member.name} is listed twice` });
    else members.push(member);
  }
  if (problems.length > 0) fail(problems);
  return { members, recheckMs: file['recheck-seconds'] * 1000, attempts: file['build-attempts'] };
}

/** The member an entry describes, or what is wrong with its address. */
function toMember(entry: PoolEngine, env: NodeJS.ProcessEnv): PoolMemberConfig | string {
  const raw = entry.address;
  const host = raw.startsWith('/') ? `unix://${raw}` : raw;
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    return `cannot read the address ${JSON.stringify(raw)}: use unix:///path/to/docker.sock, tcp://HOST:PORT or ssh://USER@HOST`;
  }
  if (url.search !== '' || url.hash !== '') return `the address ${JSON.stringify(raw)} has a query or fragment`;
  if (url.protocol === 'unix:') {
    if (entry.certs !== undefined || entry['host-key'] !== undefined) return 'certs and host-key apply to tcp:// and ssh:// engines only';
    return { name: `unix://${url.pathname}`, address: { host: `unix://${url.pathname}` }, slots: entry.slots };
  }
  if (url.protocol === 'tcp:') {
    const certPath = entry.certs ?? env.DOCKER_CERT_PATH;
    if (certPath === undefined || certPath === '') {
      return `${raw} needs TLS client certificates (certs=DIR or DOCKER_CERT_PATH with ca.pem, cert.pem, key.pem): an engine on plain TCP is open to anyone on the network`;
    }
    if (url.port === '' || url.pathname !== '' || url.username !== '') return `write a TCP engine as tcp://HOST:PORT, got ${JSON.stringify(raw)}`;
    const name = `tcp://${url.host}`;
    return { name, address: { host: name, certPath }, slots: entry.slots };
  }
  if (url.protocol === 'ssh:') {
    if (entry['host-key'] === undefined) return `${raw} needs host-key=SHA256:… (ssh-keygen -lf on the server's host key): an unpinned host key lets anyone in the middle run the builds`;
    if (url.username === '' || url.pathname !== '') return `write an SSH engine as ssh://USER@HOST[:PORT], got ${JSON.stringify(raw)}`;
    const name = `ssh://${url.username}@${url.host}`;
    return { name, address: { host: name, hostKey: entry['host-key'] }, slots: entry.slots };
  }
  return `the address ${JSON.stringify(raw)} is not unix://, tcp:// or ssh://`;
}
