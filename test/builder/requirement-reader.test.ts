import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REQUIREMENTS_PY } from '../../src/builder/requirement-reader.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * The frontend's requirement reader (/build/hbuild/_hbuild_requirements.py), run by this machine's Python and compared case by case
 * with `packaging`, the reference implementation of PEP 440 and PEP 508.
 */
const HARNESS = String.raw`
import json, sys
sys.path.insert(0, sys.argv[1])
import frontend
from packaging.specifiers import SpecifierSet
from packaging.markers import Marker
from packaging.requirements import Requirement

versions = ["1.0", "1.0.0", "1.0a1", "1.0b2", "1.0rc1", "1.0.post1", "1.0.dev3", "1.0+local.7", "1!0.5", "2.0", "0.9", "1.1", "1.0.1", "24.2", "3.9.0", "1.0c1", "1.0-1", "1.0.0.0"]
specs = ["==1.0", "!=1.0", ">=1.0", "<=1.0", ">1.0", "<1.0", "~=1.0", "~=1.0.0", "==1.*", "!=1.0.*", "===1.0", ">1.0.post0", "<1.0a2", ">=1.0a1", "==1.0+local.7", ">=24", "<2", ">0.9", "==1.0.0"]
out = {"spec": [], "marker": [], "req": []}
for v in versions:
    for s in specs:
        mine = frontend.satisfies(v, s)
        ref = SpecifierSet(s).contains(v, prereleases=True)
        if mine != ref:
            out["spec"].append([v, s, mine, ref])
env = frontend.marker_environment()
markers = [
    "python_version < '3.11'", "python_version >= '3.8'", "python_full_version >= '3.11.0'", "sys_platform == 'win32'",
    "os_name == 'posix' and platform_machine != 'armv7l'", "(python_version < '3' or sys_platform == 'linux') and implementation_name == 'cpython'",
    "extra == 'toml'", "'linux' in sys_platform", "platform_python_implementation != 'PyPy'", "python_version > '3.10' and extra == \"Toml\"",
]
for m in markers:
    for extra in ["", "toml"]:
        mine = frontend.evaluate_marker(m, dict(env, extra=extra))
        ref = Marker(m).evaluate({"extra": extra})
        if mine != ref:
            out["marker"].append([m, extra, mine, ref])
reqs = ["setuptools>=40.8.0", "setuptools_scm[toml] >= 6.2", "tomli>=1.2.2; python_version < '3.11'", "Cython (>=0.29,<3)", "foo @ https://example.invalid/foo.whl", "a.b-c_d[x,y]~=1.2"]
for r in reqs:
    name, extras, clauses, marker = frontend.parse_requirement(r)
    ref = Requirement(r)
    if (frontend.canonical(name), sorted(extras), sorted(clauses)) != (frontend.canonical(ref.name), sorted(ref.extras), sorted(str(s) for s in ref.specifier)):
        out["req"].append([r, name, extras, clauses])
print(json.dumps(out))
`;

describe('the frontend\'s requirement reader', () => {
  it('agrees with packaging on PEP 440 specifiers, PEP 508 markers and requirement strings', async () => {
    const dir = await tempDir('frontend');
    await mkdir(join(dir, 'lib'));
    await writeFile(join(dir, 'lib', 'frontend.py'), REQUIREMENTS_PY);
    await writeFile(join(dir, 'harness.py'), HARNESS);

    const run = await execa('python3', [join(dir, 'harness.py'), join(dir, 'lib')]);

    expect(JSON.parse(run.stdout)).toEqual({ spec: [], marker: [], req: [] });
  });

  it('finds what an environment lacks: a missing project, a version outside the specifier, an extra\'s requirement', async () => {
    const dir = await tempDir('frontend');
    await mkdir(join(dir, 'lib'));
    await writeFile(join(dir, 'lib', 'frontend.py'), REQUIREMENTS_PY);
    const site = join(dir, 'site');
    await mkdir(join(site, 'setuptools_scm-8.1.0.dist-info'), { recursive: true });
    await writeFile(join(site, 'setuptools_scm-8.1.0.dist-info', 'METADATA'), 'Metadata-Version: 2.1\nName: setuptools-scm\nVersion: 8.1.0\nRequires-Dist: packaging>=20\nRequires-Dist: rich; extra == "rich"\n\nbody\n');
    await mkdir(join(site, 'packaging-24.2.dist-info'));
    const script = `import sys, json; sys.path.insert(0, ${JSON.stringify(join(dir, 'lib'))}); import frontend
lacking = frontend.requirement_checker(${JSON.stringify(site)})
print(json.dumps(lacking(["setuptools-scm>=8", "Packaging>=24", "packaging<24", "flit_core>=3.2", "setuptools_scm[rich]", "tomli; python_version < '3.0'"])))`;

    const run = await execa('python3', ['-c', script]);

    expect(JSON.parse(run.stdout)).toEqual(['packaging<24 (the environment has 24.2)', 'flit_core>=3.2 (not installed)', 'rich; extra == "rich" (not installed)']);
  });
});
