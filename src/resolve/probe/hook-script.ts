/**
 * Runs inside the builder container as pip would run the hook: system site-packages
 * removed, the build environment's wheels (installed into /build/env) added as a site
 * directory, the backend imported per `build-backend` / `backend-path` from the source
 * tree, and `get_requires_for_build_wheel` called. Its answer goes to /build/out.
 */
export const HOOK_SCRIPT = `import importlib, json, os, site, sys

SRC = "/build/src"
with open("/build/probe/spec.json") as f:
    spec = json.load(f)
sys.path[:] = [p for p in sys.path if p and "-packages" not in p and not p.startswith("/build/probe")]
site.addsitedir("/build/env")
for entry in reversed(spec["backend_path"]):
    sys.path.insert(0, os.path.normpath(os.path.join(SRC, entry)))
os.chdir(SRC)
module, _, attrs = spec["backend"].partition(":")
backend = importlib.import_module(module)
for attr in filter(None, attrs.split(".")):
    backend = getattr(backend, attr)
hook = getattr(backend, "get_requires_for_build_wheel", None)
requires = [] if hook is None else hook(spec["config_settings"])
if not isinstance(requires, (list, tuple)) or not all(isinstance(r, str) for r in requires):
    sys.exit("get_requires_for_build_wheel did not return a list of strings")
with open("/build/out/requires.json", "w") as f:
    json.dump({"requires": list(requires)}, f)
print("hbuild: get_requires_for_build_wheel ->", list(requires))
`;

/** Install the environment's wheels offline, exactly those and nothing resolved, then run the hook. */
export function hookCommand(): string[] {
  return [
    '/bin/sh',
    '-c',
    [
      'umask 022',
      'set -e',
      'mkdir -p /build/env',
      'set -- /build/wheels/*.whl',
      'if [ -e "$1" ]; then python3 -m pip install --no-index --no-deps --no-compile --target /build/env "$@"; fi',
      'exec python3 -I /build/probe/hook.py',
    ].join('\n'),
  ];
}

export const HOOK_PROTOCOL = 'hbuild-requires/1';
