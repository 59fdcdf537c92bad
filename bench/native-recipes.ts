/**
 * The shipped recipes on real sdists: each package below is locked from the index pip is
 * configured with, built with `recipes/` (in its derived builder image), installed with
 * `pip --require-hashes --no-index` into a fresh venv, made to do one real thing, and
 * rebuilt cold (its build record removed) to check it reproduces its pin. CI covers cffi
 * and lxml (test/integration/real-sdists.test.ts); this covers the rest.
 *
 *   npm run build && npx vite-node bench/native-recipes.ts [NAME...]
 *
 * Prints a markdown table: lock, first build and cold rebuild seconds, and why a package failed.
 */
import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN } from './common.js';

interface Case {
  requirements: string;
  /** Python that exercises the compiled code; prints one line. */
  call: string;
  expect: string;
}

const CASES: Record<string, Case> = {
  psycopg2: { requirements: 'psycopg2==2.9.10\n', call: 'import psycopg2.extensions as e; print(e.libpq_version() > 100000)', expect: 'True' },
  pillow: {
    requirements: 'pillow==11.3.0\n',
    call: 'import io; from PIL import Image; b = io.BytesIO(); Image.new("RGB", (8, 8), (255, 0, 0)).save(b, "JPEG"); im = Image.open(io.BytesIO(b.getvalue())); im.load(); print(im.format, im.size)',
    expect: 'JPEG (8, 8)',
  },
  pyzmq: {
    requirements: 'pyzmq==27.0.0\n',
    call: 'import zmq; c = zmq.Context(); a, b = c.socket(zmq.PAIR), c.socket(zmq.PAIR); a.bind("inproc://x"); b.connect("inproc://x"); a.send(b"hi"); print(b.recv())',
    expect: "b'hi'",
  },
  numpy: { requirements: 'numpy==2.3.1\n', call: 'import numpy as np; print((np.arange(4.0).reshape(2, 2) @ np.eye(2)).tolist())', expect: '[[0.0, 1.0], [2.0, 3.0]]' },
};

const RECIPES = resolve('recipes');

async function timed(args: string[]): Promise<{ seconds: number; ok: boolean; tail: string }> {
  const started = performance.now();
  const run = await execa('node', [BIN, ...args], { reject: false, stdin: 'ignore', all: true });
  const tail = String(run.all ?? '').split('\n').filter((l) => /error|failed|refused|hint/i.test(l)).slice(-3).join(' / ');
  return { seconds: Math.round((performance.now() - started) / 100) / 10, ok: run.exitCode === 0, tail };
}

async function bench(name: string, spec: Case): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `hbuild-native-${name}-`));
  const store = join(dir, 'store');
  await writeFile(join(dir, 'requirements.txt'), spec.requirements);
  const common = ['--store', store, '--recipes', RECIPES];
  const lock = await timed(['lock', join(dir, 'requirements.txt'), '--lock', join(dir, 'lock.yaml'), ...common]);
  if (!lock.ok) return `| ${name} | ${lock.seconds} | – | – | no | lock failed: ${lock.tail} |`;
  const build = await timed(['build', join(dir, 'lock.yaml'), '--record', '--out', join(dir, 'wheelhouse'), ...common]);
  if (!build.ok) return `| ${name} | ${lock.seconds} | ${build.seconds} | – | no | build failed: ${build.tail} |`;
  const venv = join(dir, 'venv');
  await execa('python3', ['-m', 'venv', venv]);
  const env = { PIP_CONFIG_FILE: '/dev/null', PIP_FIND_LINKS: '', PIP_CONSTRAINT: '' };
  const install = await execa(join(venv, 'bin', 'pip'), ['install', '--require-hashes', '--no-index', '--find-links', join(dir, 'wheelhouse'), '-r', join(dir, 'wheelhouse', 'requirements.txt')], { env, reject: false });
  const call = await execa(join(venv, 'bin', 'python'), ['-c', spec.call], { reject: false });
  const works = install.exitCode === 0 && call.stdout.trim() === spec.expect;
  const manifest = JSON.parse(await readFile(join(dir, 'wheelhouse', 'manifest.json'), 'utf8')) as { packages: Array<{ name: string; inputDigest: string; systemLibraries?: Array<{ soname: string; package: string | null }>; vendoredLibraries?: Array<{ copyOf: string; package: string | null }> }> };
  const pkg = manifest.packages.find((p) => p.name === name);
  if (pkg) await rm(join(store, 'actions', `${pkg.inputDigest}.json`));
  const cold = await timed(['build', join(dir, 'lock.yaml'), '--only', name, '--out', join(dir, 'wheelhouse-2'), ...common]);
  const libs = (pkg?.systemLibraries ?? []).map((l) => `${l.soname} (${l.package ?? '?'})`).join(', ');
  const vendored = (pkg?.vendoredLibraries ?? []).map((l) => `${l.copyOf} (${l.package ?? '?'})`).join(', ');
  const note = works ? `call ok; needs ${libs || 'nothing beyond glibc'}${vendored ? `; vendors ${vendored}` : ''}` : `call failed: ${(install.stderr || call.stderr).split('\n').slice(-2).join(' ')}`;
  return `| ${name} | ${lock.seconds} | ${build.seconds} | ${cold.seconds}${cold.ok ? '' : ' (differs)'} | ${works && cold.ok ? 'yes' : 'no'} | ${note} |`;
}

const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(CASES);
const rows = ['| package | lock s | build s | cold rebuild s | reproduced & works | notes |', '|---|---|---|---|---|---|'];
for (const name of wanted) {
  const spec = CASES[name];
  if (!spec) throw new Error(`no bench case ${name}`);
  const line = await bench(name, spec);
  process.stderr.write(`${line}\n`);
  rows.push(line);
}
process.stdout.write(`${rows.join('\n')}\n`);
