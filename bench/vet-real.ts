/**
 * `hbuild vet` on real code: the latest sdist of each project below, from the
 * index pip is configured with, vetted with the quarantine off. Prints, per
 * rule, how many findings and how many packages it hit (on these popular
 * packages every finding is a false-positive candidate, reviewed in
 * docs/vet.md), and vetting time per MB.
 *
 *   npx vite-node bench/vet-real.ts [--details FILE]
 *
 * Sdists are cached in $VET_BENCH_CACHE (default: <tmpdir>/hbuild-vet-bench).
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listProjectFiles } from '../src/fetch/index-client.js';
import { fetchSdist } from '../src/fetch/fetch-sdist.js';
import { resolveIndexUrl } from '../src/fetch/index-url.js';
import { openStore } from '../src/store/store.js';
import { RULES } from '../src/vet/rules.js';
import type { VetResult } from '../src/vet/types.js';
import { vetSdist } from '../src/vet/vet-sdist.js';

const PROJECTS = [
  'requests', 'urllib3', 'certifi', 'charset-normalizer', 'idna', 'six', 'python-dateutil', 'pytz', 'pyyaml',
  'numpy', 'pandas', 'scipy', 'matplotlib', 'pillow', 'django', 'flask', 'werkzeug', 'jinja2', 'markupsafe',
  'click', 'itsdangerous', 'sqlalchemy', 'alembic', 'psycopg2', 'cryptography', 'cffi', 'pycparser', 'attrs',
  'packaging', 'setuptools', 'wheel', 'pip', 'virtualenv', 'filelock', 'platformdirs', 'tomli', 'typing-extensions',
  'pydantic', 'pydantic-core', 'fastapi', 'starlette', 'uvicorn', 'httpx', 'httpcore', 'h11', 'anyio', 'sniffio',
  'boto3', 'botocore', 's3transfer', 'jmespath', 'pytest', 'pluggy', 'iniconfig', 'coverage', 'pytest-cov', 'tox',
  'black', 'mypy', 'isort', 'pyflakes', 'pycodestyle', 'lxml', 'beautifulsoup4', 'soupsieve', 'protobuf', 'grpcio',
  'rich', 'pygments', 'tqdm', 'decorator', 'wrapt', 'greenlet', 'gunicorn', 'redis', 'celery', 'kombu', 'docutils',
  'sphinx', 'babel', 'tornado', 'aiohttp', 'multidict', 'yarl', 'frozenlist', 'scikit-learn', 'joblib', 'networkx',
  'sympy', 'regex', 'psutil', 'paramiko', 'pynacl', 'bcrypt', 'twine', 'keyring', 'distlib', 'zipp', 'importlib-metadata',
];

interface Row {
  name: string;
  file: string;
  compressed: number;
  uncompressed: number;
  seconds: number;
  result: VetResult;
}

async function latestSdist(indexUrl: string, name: string, signal: AbortSignal) {
  const files = await listProjectFiles(indexUrl, name, signal);
  const sdists = files.filter((f) => f.filename.endsWith('.tar.gz') && !f.yanked && f.sha256);
  sdists.sort((a, b) => (b.uploadTime ?? '').localeCompare(a.uploadTime ?? ''));
  return sdists[0];
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

async function main(): Promise<void> {
  const details = process.argv.indexOf('--details');
  const cache = process.env.VET_BENCH_CACHE ?? join(tmpdir(), 'hbuild-vet-bench');
  const store = await openStore(cache);
  const indexUrl = await resolveIndexUrl(undefined);
  const signal = new AbortController().signal;
  const rows: Row[] = [];
  for (const name of PROJECTS) {
    const listed = await latestSdist(indexUrl, name, signal).catch((err: unknown) => {
      process.stderr.write(`skip ${name}: ${(err as Error).message}\n`);
      return undefined;
    });
    if (!listed) continue;
    const version = /^.+?-(\d[^-]*)\.tar\.gz$/.exec(listed.filename)?.[1] ?? '0';
    const pin = { name, version, file: listed.filename, sha256: listed.sha256 as string };
    const fetched = await fetchSdist(pin, { store, indexUrl: async () => indexUrl, sdistDirs: [], signal });
    const started = performance.now();
    const result = await vetSdist(fetched.path, { ...pin }, { minAgeDays: 0 });
    const seconds = (performance.now() - started) / 1000;
    rows.push({ name, file: listed.filename, compressed: listed.size ?? 0, uncompressed: result.stats.bytes, seconds, result });
    process.stderr.write(`${listed.filename}: ${result.verdict} (${result.findings.length} findings, ${seconds.toFixed(2)} s)\n`);
  }

  const lines = ['| rule | name | findings (block / warn) | packages hit |', '| --- | --- | --- | --- |'];
  for (const rule of RULES) {
    const hits = rows.flatMap((r) => r.result.findings.filter((f) => f.rule === rule.id).map((f) => ({ pkg: r.name, f })));
    const block = hits.filter((h) => h.f.severity === 'block').length;
    const packages = new Set(hits.map((h) => h.pkg));
    lines.push(`| ${rule.id} | ${rule.name} | ${hits.length} (${block} / ${hits.length - block}) | ${packages.size}${packages.size ? `: ${[...packages].join(', ')}` : ''} |`);
  }
  const compressed = rows.reduce((s, r) => s + r.compressed, 0);
  const uncompressed = rows.reduce((s, r) => s + r.uncompressed, 0);
  const seconds = rows.reduce((s, r) => s + r.seconds, 0);
  const verdicts = { pass: 0, warn: 0, block: 0 };
  for (const r of rows) verdicts[r.result.verdict]++;
  process.stdout.write(`${lines.join('\n')}\n\n`);
  process.stdout.write(`${rows.length} sdists: ${verdicts.pass} pass, ${verdicts.warn} warn, ${verdicts.block} block\n`);
  process.stdout.write(
    `${mb(compressed)} MB compressed (${mb(uncompressed)} MB unpacked) vetted in ${seconds.toFixed(1)} s: ` +
      `${(seconds / (compressed / 1048576)).toFixed(2)} s per compressed MB, ${(seconds / (uncompressed / 1048576)).toFixed(2)} s per unpacked MB\n`,
  );
  const slowest = [...rows].sort((a, b) => b.seconds - a.seconds).slice(0, 3);
  process.stdout.write(`slowest: ${slowest.map((r) => `${r.file} ${r.seconds.toFixed(1)} s`).join(', ')}\n`);
  if (details !== -1) {
    const out = process.argv[details + 1] ?? join(cache, 'findings.json');
    const dump = rows.map((r) => ({ file: r.file, verdict: r.result.verdict, seconds: r.seconds, findings: r.result.findings }));
    await writeFile(out, `${JSON.stringify(dump, null, 2)}\n`);
    process.stdout.write(`findings: ${out}\n`);
  }
}

await main();
