/**
 * The in-container PEP 517 frontend, shipped in the build scaffold as /build/hbuild/frontend.py.
 * It is hbuild's own (about a hundred lines) rather than pyproject-hooks because the hooks API
 * is tiny and pyproject-hooks runs every hook in a further interpreter. Requirement strings
 * (PEP 508: names, extras, PEP 440 specifiers, markers) are checked by a small reader of its
 * own: the image's only `packaging` is the one pip vendors, whose import alone (pyparsing)
 * cost more than the rest of the frontend, and importing pip disarms setuptools' distutils shim.
 *
 * Exit codes: 0 built; 2 usage; 3 pyproject.toml unusable; 4 a build
 * requirement missing from the environment; 5 the backend broke the protocol; otherwise
 * the backend's own failure (its traceback is in the log).
 */
export const FRONTEND_PY = String.raw`"""hbuild's PEP 517 frontend: call the backend's hooks in this interpreter, nothing else."""
import importlib, json, os, re, sys, time

ENV_SITE = "/build/env/site-packages"
FALLBACK_BACKEND = "setuptools.build_meta:__legacy__"
FALLBACK_REQUIRES = ["setuptools>=40.8.0"]


def say(message):
    sys.stderr.write("hbuild-frontend: " + message + "\n")
    sys.stderr.flush()


def fail(code, message):
    say("error: " + message)
    sys.exit(code)


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


_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*")
_VERSION = re.compile(
    r"^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)"
    r"(?:[-_.]?(alpha|beta|preview|pre|rc|a|b|c)[-_.]?(\d*))?"
    r"(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?"
    r"(?:[-_.]?(dev)[-_.]?(\d*))?"
    r"(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$",
    re.IGNORECASE,
)
_PHASE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


class Version:
    """A PEP 440 version, ordered as PEP 440 orders them."""

    def __init__(self, text):
        m = _VERSION.match(text)
        if not m:
            raise ValueError("not a PEP 440 version: %r" % text)
        self.epoch = int(m[1] or 0)
        self.release = tuple(int(x) for x in m[2].split("."))
        self.pre = (_PHASE[m[3].lower()], int(m[4] or 0)) if m[3] else None
        self.post = int(m[5]) if m[5] else (int(m[7] or 0) if m[6] else None)
        self.dev = int(m[9] or 0) if m[8] else None
        self.local = m[10].lower() if m[10] else None
        release = list(self.release)
        while len(release) > 1 and release[-1] == 0:
            release.pop()
        pre = (0,) if self.pre is None and self.post is None and self.dev is not None else (2,) if self.pre is None else (1,) + self.pre
        post = (0,) if self.post is None else (1, self.post)
        dev = (2,) if self.dev is None else (1, self.dev)
        local = (0,) if self.local is None else (1,) + tuple((1, int(p), "") if p.isdigit() else (0, 0, p) for p in re.split(r"[-_.]", self.local))
        self.key = (self.epoch, tuple(release), pre, post, dev, local)
        self.public_key = self.key[:5] + ((0,),)
        self.base_key = (self.epoch, tuple(release))


def _prefix_match(version, spec):
    prefix = spec[:-2]
    target = Version(prefix)
    release = version.release + (0,) * max(0, len(target.release) - len(version.release))
    return version.epoch == target.epoch and release[: len(target.release)] == target.release


def satisfies(text, spec):
    """Whether version text satisfies one specifier clause, pre-releases allowed."""
    m = re.match(r"^\s*(===|~=|==|!=|<=|>=|<|>)\s*(\S+)\s*$", spec)
    if not m:
        raise ValueError("not a version specifier: %r" % spec)
    op, value = m.groups()
    if op == "===":
        return text.strip().lower() == value.lower()
    version = Version(text)
    if op in ("==", "!=") and value.endswith(".*"):
        return _prefix_match(version, value) == (op == "==")
    if op == "~=":
        target = Version(value)
        return version.public_key >= target.public_key and _prefix_match(version, ".".join(str(x) for x in target.release[:-1]) + ".*")
    target = Version(value)
    mine = version.key if (op in ("==", "!=") and target.local is not None) else version.public_key
    if op == "==":
        return mine == target.key
    if op == "!=":
        return mine != target.key
    if op == "<=":
        return version.public_key <= target.key
    if op == ">=":
        return version.public_key >= target.key
    if op == "<":
        if not version.public_key < target.key:
            return False
        return not (target.pre is None and target.dev is None and (version.pre is not None or version.dev is not None) and version.base_key == target.base_key)
    if not version.public_key > target.key:
        return False
    if target.post is None and version.post is not None and version.base_key == target.base_key:
        return False
    return not (version.local is not None and version.base_key == target.base_key)


def marker_environment():
    import platform

    info = sys.implementation.version
    iver = "%d.%d.%d" % (info.major, info.minor, info.micro)
    if info.releaselevel != "final":
        iver += info.releaselevel[0] + str(info.serial)
    return {
        "implementation_name": sys.implementation.name,
        "implementation_version": iver,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }


_TOKEN = re.compile(r"""\s*(?:(?P<str>'[^']*'|"[^"]*")|(?P<op>===|==|!=|<=|>=|~=|<|>|\(|\)|not\s+in\b|in\b|and\b|or\b)|(?P<var>[a-z_][a-z0-9_.]*))""")
_VERSION_VARS = ("python_version", "python_full_version", "implementation_version")


def evaluate_marker(text, env):
    """Evaluate a PEP 508 environment marker."""
    tokens = []
    at = 0
    text = text.strip()
    while at < len(text):
        m = _TOKEN.match(text, at)
        if not m or m.end() == at:
            raise ValueError("cannot read marker %r at %r" % (text, text[at:]))
        at = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        tokens.append((kind, re.sub(r"\s+", " ", value)))
    pos = [0]

    def peek():
        return tokens[pos[0]] if pos[0] < len(tokens) else (None, None)

    def take():
        pos[0] += 1
        return tokens[pos[0] - 1]

    def value():
        kind, v = take()
        if kind == "str":
            return v[1:-1], False
        if kind == "var":
            if v == "extra":
                return env.get("extra", ""), "extra"
            if v.replace(".", "_") not in env and v not in env:
                raise ValueError("unknown marker variable %r" % v)
            return env.get(v, env.get(v.replace(".", "_"))), v in _VERSION_VARS
        raise ValueError("expected a value in marker %r" % text)

    def atom():
        if peek() == ("op", "("):
            take()
            result = expr()
            if take() != ("op", ")"):
                raise ValueError("unbalanced parenthesis in marker %r" % text)
            return result
        left, lv = value()
        kind, op = take()
        if kind != "op":
            raise ValueError("expected an operator in marker %r" % text)
        right, rv = value()
        if op == "in":
            return left in right
        if op == "not in":
            return left not in right
        if "extra" in (lv, rv):
            norm = lambda s: re.sub(r"[-_.]+", "-", s).lower()
            left, right = norm(left), norm(right)
        if (lv is True or rv is True) and op not in ("===",):
            try:
                return satisfies(left, op + right)
            except ValueError:
                pass
        return {"==": left == right, "!=": left != right, "<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right, "===": left == right, "~=": False}[op]

    def conj():
        result = atom()
        while peek() == ("op", "and"):
            take()
            other = atom()
            result = result and other
        return result

    def expr():
        result = conj()
        while peek() == ("op", "or"):
            take()
            other = conj()
            result = result or other
        return result

    result = expr()
    if pos[0] != len(tokens):
        raise ValueError("cannot read the end of marker %r" % text)
    return result


def parse_requirement(text):
    """(name, extras, specifier clauses, marker) of a PEP 508 requirement string."""
    body, _, marker = text.partition(";")
    m = _NAME.match(body)
    if not m:
        raise ValueError("no project name")
    name, rest = m.group(1), body[m.end():].strip()
    extras = []
    if rest.startswith("["):
        close = rest.index("]")
        extras = [e.strip() for e in rest[1:close].split(",") if e.strip()]
        rest = rest[close + 1 :].strip()
    if rest.startswith("@"):
        return name, extras, [], marker.strip() or None
    rest = rest.strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    clauses = [re.sub(r"\s+", "", c) for c in rest.split(",") if c.strip()]
    for clause in clauses:
        if not re.match(r"^(===|~=|==|!=|<=|>=|<|>)\s*\S+$", clause):
            raise ValueError("bad version specifier %r" % clause)
    return name, extras, clauses, marker.strip() or None


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_distributions(site_dir):
    """name → (version, dist-info path) of what the build environment holds, from the dist-info names."""
    found = {}
    for entry in sorted(os.listdir(site_dir)) if os.path.isdir(site_dir) else []:
        if entry.endswith(".dist-info"):
            name, _, version = entry[: -len(".dist-info")].rpartition("-")
            found.setdefault(canonical(name), (version, os.path.join(site_dir, entry)))
    return found


def requires_dist(path):
    try:
        with open(os.path.join(path, "METADATA"), encoding="utf-8") as f:
            head = f.read().split("\n\n", 1)[0]
    except OSError:
        return []
    return [line.split(":", 1)[1].strip() for line in head.splitlines() if line.lower().startswith("requires-dist:")]


def requirement_checker(site_dir=ENV_SITE):
    """A function that returns what of a list of requirements the environment lacks."""
    installed = installed_distributions(site_dir)
    env = marker_environment()

    def lacking(requirements, extra=""):
        missing = []
        for text in requirements:
            try:
                name, extras, clauses, marker = parse_requirement(text)
                if marker is not None and not evaluate_marker(marker, dict(env, extra=extra)):
                    continue
            except (ValueError, IndexError) as err:
                fail(3, "build requirement %r is not a PEP 508 requirement: %s" % (text, err))
            have = installed.get(canonical(name))
            if have is None:
                missing.append("%s (not installed)" % text)
                continue
            try:
                ok = all(satisfies(have[0], clause) for clause in clauses)
            except ValueError:
                ok = False
            if not ok:
                missing.append("%s (the environment has %s)" % (text, have[0]))
                continue
            for wanted in sorted(extras):
                missing += lacking(requires_dist(have[1]), wanted)
        return missing

    return lacking


def check(lacking, requirements, source):
    missing = lacking(requirements)
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
    lacking = requirement_checker()
    check(lacking, requires, "build-system.requires")
    started = time.monotonic()
    backend = load_backend(spec, paths)
    say("backend %s imported in %.3f s" % (spec, time.monotonic() - started))
    hook = getattr(backend, "get_requires_for_build_wheel", None)
    if hook is not None:
        started = time.monotonic()
        extra = hook(settings)
        if not isinstance(extra, list) or not all(isinstance(r, str) for r in extra):
            fail(5, "get_requires_for_build_wheel returned %r, not a list of strings" % (extra,))
        say("get_requires_for_build_wheel in %.3f s: %s" % (time.monotonic() - started, json.dumps(extra)))
        check(lacking, extra, "get_requires_for_build_wheel")
    started = time.monotonic()
    name = backend.build_wheel(out, settings)
    say("build_wheel in %.3f s: %s" % (time.monotonic() - started, name))
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
export const SITECUSTOMIZE_PY = String.raw`import site, sys


def _isolate(env="/build/env/site-packages"):
    system = set(site.getsitepackages())
    sys.path[:] = [p for p in sys.path if p not in system]
    for finder in list(sys.meta_path):
        if type(finder).__module__.startswith("_distutils_hack"):
            sys.meta_path.remove(finder)
    sys.modules.pop("_distutils_hack", None)
    site.addsitedir(env)


_isolate()
`;
