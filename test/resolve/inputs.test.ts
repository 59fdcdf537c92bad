import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addPins, inputFormat, readLockInput } from '../../src/resolve/input/read-input.js';
import { useTempDir } from '../helpers/tmp.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const tmp = useTempDir('lock-inputs');

async function input(name: string, text: string): Promise<string> {
  const path = join(tmp.path, name);
  await writeFile(path, text);
  return path;
}

describe('requirements.txt', () => {
  it('reads exact pins with hashes over continuation lines, extras, comments and -r includes', async () => {
    await input('base.txt', 'idna==3.10\n');
    const path = await input(
      'requirements.txt',
      `# pip-compile output\n-r base.txt\n--require-hashes\nrequests[socks]==2.32.3 \\\n    --hash=sha256:${A} \\\n    --hash=sha256:${B.toUpperCase()}\n    # via app\nMarkupSafe==3.0.2  # C extension\n`,
    );

    const result = await readLockInput(path);

    expect(result.problems).toEqual([]);
    expect(result.pins.map((p) => [p.key, p.version, p.hashes, p.origin.line])).toEqual([
      ['idna', '3.10', [], 1],
      ['requests', '2.32.3', [A, B], 4],
      ['markupsafe', '3.0.2', [], 8],
    ]);
  });

  it('evaluates markers for the builder and reports what it skipped', async () => {
    const path = await input('requirements.txt', 'colorama==0.4.6 ; sys_platform == "win32"\ntomli==2.0.1 ; python_version < "3.11"\nexceptiongroup==1.2.2; python_version >= "3.11"\n');

    const result = await readLockInput(path);

    expect(result.pins.map((p) => p.key)).toEqual(['exceptiongroup']);
    expect(result.skipped.map((s) => `${s.name}:${s.line}`)).toEqual(['colorama:1', 'tomli:2']);
  });

  it('reports every unpinned or unsupported entry at once, each with its line', async () => {
    const path = await input(
      'requirements.txt',
      [
        'good==1.0',
        'ranged>=1.0',
        'bare',
        'wild==1.*',
        '-e ./local',
        'git+https://example.invalid/repo.git#egg=repo',
        'pkg @ https://example.invalid/pkg-1.0.tar.gz',
        './dist/thing-1.0.tar.gz',
        '--index-url https://example.invalid/simple/',
        'md5pinned==1.0 --hash=md5:0123456789abcdef0123456789abcdef',
        'twice==1.0',
        'twice==2.0',
        'weird==1.0 ; platform_release >= "5"',
      ].join('\n'),
    );

    const result = await readLockInput(path);

    expect(result.pins.map((p) => p.key)).toEqual(['good', 'twice']);
    expect(result.problems.map((p) => p.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 12]);
    expect(result.problems.map((p) => p.reason)).toEqual([
      'not pinned to one version: >=1.0',
      'not pinned: give an exact version with ==',
      'not pinned to one version: ==1.*',
      'editable requirements are not supported: hbuild locks released sdists from an index',
      'URLs, VCS references and local paths are not supported: pin a released version with name==version',
      'URLs, VCS references and local paths are not supported: pin a released version with name==version',
      'URLs, VCS references and local paths are not supported: pin a released version with name==version',
      'index options are not read from the input: pass --index-url / --extra-index-url to hbuild lock',
      'only sha256 hashes are supported, got md5',
      "platform_release depends on the build host's kernel, not on the builder",
      'twice is pinned twice (first at line 11)',
    ]);
  });

  it('--add takes only name==version', () => {
    const result = addPins(['lib==2.0', 'other>=1', 'x==1.0 ; os_name == "nt"']);

    expect(result.pins.map((p) => `${p.key}==${p.version}`)).toEqual(['lib==2.0']);
    expect(result.problems.map((p) => p.text)).toEqual(['other>=1', 'x==1.0 ; os_name == "nt"']);
  });

  it('picks the reader by file name', () => {
    const formats = ['requirements.txt', 'dev.in', 'pylock.toml', 'pylock.dev.toml', 'uv.lock'].map(inputFormat);

    expect(formats).toEqual(['requirements', 'requirements', 'pylock', 'pylock', 'uv']);
  });
});

describe('pylock.toml (PEP 751)', () => {
  it('pins index packages with their sdist and wheel hashes, skips false markers, refuses VCS and directories', async () => {
    const path = await input(
      'pylock.toml',
      `lock-version = "1.0"
created-by = "test"
requires-python = ">=3.9"

[[packages]]
name = "requests"
version = "2.32.3"
sdist = { name = "requests-2.32.3.tar.gz", url = "https://example.invalid/requests-2.32.3.tar.gz", size = 131218, hashes = { sha256 = "${A}" } }
wheels = [{ name = "requests-2.32.3-py3-none-any.whl", url = "https://example.invalid/requests.whl", hashes = { sha256 = "${B}" } }]

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"
wheels = [{ url = "https://example.invalid/colorama.whl", hashes = { sha256 = "${B}" } }]

[[packages]]
name = "mine"
vcs = { type = "git", url = "https://example.invalid/mine.git", commit-id = "abc" }

[[packages]]
name = "local"
directory = { path = "./local" }
`,
    );

    const result = await readLockInput(path);

    expect(result.pins).toEqual([
      { name: 'requests', key: 'requests', version: '2.32.3', hashes: [A, B], sdistSha256: A, wheelSha256s: [B], origin: { file: path, line: 5 } },
    ]);
    expect(result.skipped.map((s) => s.name)).toEqual(['colorama']);
    expect(result.problems.map((p) => `${p.line} ${p.reason}`)).toEqual([
      '17 VCS packages are not supported: pin a released version',
      '21 local directories are not supported: pin a released version',
    ]);
  });
});

describe('uv.lock', () => {
  it('walks the graph from the project, following only edges whose marker holds for the builder, extras included', async () => {
    const path = await input(
      'uv.lock',
      `version = 1
requires-python = ">=3.9"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [
    { name = "requests", extra = ["socks"] },
    { name = "colorama", marker = "sys_platform == 'win32'" },
]

[package.dev-dependencies]
dev = [{ name = "pytest" }]

[[package]]
name = "colorama"
version = "0.4.6"
source = { registry = "https://example.invalid/simple" }
sdist = { url = "https://example.invalid/colorama-0.4.6.tar.gz", hash = "sha256:${A}", size = 1 }

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://example.invalid/simple" }
dependencies = [{ name = "idna" }]
sdist = { url = "https://example.invalid/requests-2.32.3.tar.gz", hash = "sha256:${A}", size = 1 }
wheels = [{ url = "https://example.invalid/requests.whl", hash = "sha256:${B}", size = 1 }]

[package.optional-dependencies]
socks = [{ name = "pysocks" }]

[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://example.invalid/simple" }
sdist = { url = "https://example.invalid/idna-3.10.tar.gz", hash = "sha256:${B}", size = 1 }

[[package]]
name = "pysocks"
version = "1.7.1"
source = { registry = "https://example.invalid/simple" }
sdist = { url = "https://example.invalid/PySocks-1.7.1.tar.gz", hash = "sha256:${B}", size = 1 }

[[package]]
name = "pytest"
version = "8.3.4"
source = { git = "https://example.invalid/pytest.git?rev=main#abc" }
`,
    );

    const result = await readLockInput(path);

    expect(result.pins.map((p) => `${p.key}==${p.version} sdist=${p.sdistSha256?.[0]}`)).toEqual(['requests==2.32.3 sdist=a', 'idna==3.10 sdist=b', 'pysocks==1.7.1 sdist=b']);
    expect(result.skipped.map((s) => s.name)).toEqual(['colorama']);
    expect(result.problems.map((p) => p.reason)).toEqual(['git sources are not supported: pin a released version from an index']);
  });
});
