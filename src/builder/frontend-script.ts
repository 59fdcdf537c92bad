/**
 * The in-container PEP 517 frontend, shipped in the build scaffold as /build/hbuild/frontend.py.
 * It is hbuild's own (about a hundred lines) rather than pyproject-hooks because the hooks API
 * is tiny and pyproject-hooks runs every hook in a further interpreter. Requirement strings
 * are checked by its own small reader beside it (requirement-reader.ts).
 *
 * Exit codes: 0 built; 2 usage; 3 pyproject.toml unusable; 4 a build
 * requirement missing from the environment; 5 the backend broke the protocol; otherwise
 * the backend's own failure (its traceback is in the log).
 */
export const FRONTEND_PY = String.raw`"""hbuild's PEP 517 frontend: call the backend's hooks in this interpreter, nothing else."""
import importlib, json, os, sys, time

from _hbuild_requirements import requirement_checker

ENV_SITE = "/build/env/site-packages"
FALLBACK_BACKEND = "setuptools.build_meta:__legacy__"
FALLBACK_REQUIRES = ["setuptools>=40.8.0"]


# Timings are written only when asked for (bench/build-overhead.ts): a standard build's log
# holds nothing that varies from run to run, so two builds of the same inputs log the same bytes.
TIMINGS = os.environ.pop("HBUILD_FRONTEND_TIMINGS", "") == "1"


def say(message):
    sys.stderr.write("hbuild-frontend: " + message + "\n")
    sys.stderr.flush()


def fail(code, message):
    say("error: " + message)
    sys.exit(code)


def took(started):
    return " in %.3f s" % (time.monotonic() - started) if TIMINGS else ""


def read_build_system(src):
    path = os.path.join(src, "pyproject.toml")
    if not os.path.isfile(path):
        return FALLBACK_REQUIRES, FALLBACK_BACKEND, None, "no pyproject.toml"
    import tomllib
    try:
        with open(path, "rb") as f:
            table = tomllib.load(f).get("build-system")
    except (OSError, ValueError) as err:
        fail(3, "pyproject.toml cannot be read: %s" % err)
    if table is None:
        return FALLBACK_REQUIRES, FALLBACK_BACKEND, None, "no [build-system] table"
    requires = table.get("requires")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        fail(3, "pyproject.toml: build-system.requires must be a list of strings")
    backend = table.get("build-backend")
    if backend is None:
        return requires, FALLBACK_BACKEND, None, "no build-backend"
    if not isinstance(backend, str) or not backend:
        fail(3, "pyproject.toml: build-system.build-backend must be a string")
    paths = table.get("backend-path")
    if paths is not None:
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            fail(3, "pyproject.toml: build-system.backend-path must be a list of strings")
        root = os.path.realpath(src)
        resolved = []
        for p in paths:
            full = os.path.realpath(os.path.join(root, p))
            if os.path.commonpath([root, full]) != root:
                fail(3, "pyproject.toml: backend-path entry %r is outside the source tree" % p)
            resolved.append(full)
        paths = resolved
    return requires, backend, paths, None


def check(lacking, requirements, source):
    try:
        missing = lacking(requirements)
    except ValueError as err:
        fail(3, str(err))
    if missing:
        fail(4, "the build environment lacks %s, required by %s" % ("; ".join(missing), source))


def load_backend(spec, paths):
    module_name, _, attrs = spec.partition(":")
    if paths:
        sys.path[:0] = paths
    try:
        obj = importlib.import_module(module_name)
    except ImportError as err:
        fail(5, "cannot import the build backend %s: %s" % (spec, err))
    if paths:
        origin = os.path.realpath(getattr(obj, "__file__", "") or "")
        if not any(os.path.commonpath([p, origin]) == p for p in paths if origin):
            fail(5, "backend %s was not loaded from its backend-path %s but from %s" % (spec, paths, origin))
    for attr in attrs.split(".") if attrs else []:
        obj = getattr(obj, attr)
    return obj


def main():
    # --sha256 names this script's digest in the build command (and so in the input digest); it is not re-checked here.
    if len(sys.argv) != 6 or sys.argv[1] != "--sha256":
        fail(2, "usage: frontend.py --sha256 HEX SRC OUT CONFIG-SETTINGS-JSON")
    src, out = sys.argv[3], sys.argv[4]
    settings = json.loads(sys.argv[5]) or None
    # The script's own directory is no place to import from; the source tree is, as for any frontend.
    sys.path[:] = [p for p in sys.path if p not in ("", os.path.dirname(os.path.abspath(__file__)))]
    os.chdir(src)
    requires, spec, paths, why = read_build_system(src)
    if why:
        say("%s: using %s" % (why, spec))
    lacking = requirement_checker(ENV_SITE)
    check(lacking, requires, "build-system.requires")
    started = time.monotonic()
    backend = load_backend(spec, paths)
    say("backend %s imported%s" % (spec, took(started)))
    hook = getattr(backend, "get_requires_for_build_wheel", None)
    if hook is not None:
        started = time.monotonic()
        extra = hook(settings)
        if not isinstance(extra, list) or not all(isinstance(r, str) for r in extra):
            fail(5, "get_requires_for_build_wheel returned %r, not a list of strings" % (extra,))
        say("get_requires_for_build_wheel%s: %s" % (took(started), json.dumps(extra)))
        check(lacking, extra, "get_requires_for_build_wheel")
    started = time.monotonic()
    name = backend.build_wheel(out, settings)
    say("build_wheel%s: %s" % (took(started), name))
    if not isinstance(name, str) or os.path.basename(name) != name or not os.path.isfile(os.path.join(out, name)):
        fail(5, "build_wheel returned %r, which is not a file it wrote to %s" % (name, out))


if __name__ == "__main__":
    main()
`;

/**
 * /build/hbuild/site/sitecustomize.py, found through PYTHONPATH by the frontend and by every
 * Python the backend starts: the image's own site-packages (and what their .pth files
 * hooked in) leave sys.path, and the build environment's site-packages takes their place.
 */
export const SITECUSTOMIZE_PY = String.raw`import os, random, site, sys, tempfile


def _isolate(env="/build/env/site-packages"):
    system = set(site.getsitepackages())
    sys.path[:] = [p for p in sys.path if p not in system]
    for finder in list(sys.meta_path):
        if type(finder).__module__.startswith("_distutils_hack"):
            sys.meta_path.remove(finder)
    sys.modules.pop("_distutils_hack", None)
    site.addsitedir(env)


def _fixed_temp_names():
    # tempfile's names come from a generator seeded at random; backends print them (setuptools:
    # "creating '/build/out/.tmp-XXXXXXXX/...whl'"), so the log would differ between two builds of
    # the same inputs. The container is private to the build, so fixed names collide with nothing
    # (they are still created with O_EXCL, and the next name is tried when one exists).
    names = tempfile._RandomNameSequence()
    names._rng = random.Random(0)
    names._rng_pid = os.getpid()
    tempfile._name_sequence = names


_isolate()
_fixed_temp_names()
`;
