/**
 * /build/hbuild/_hbuild_requirements.py, the frontend's reader of requirement strings: PEP 508
 * names, extras and markers, PEP 440 specifiers, and what of a list a build environment lacks
 * (found from its dist-info directory names). Its own rather than the image's `packaging`: that
 * is pip's vendored copy, whose import (pyparsing) cost more than the rest of the frontend, and
 * importing pip disarms setuptools' distutils shim. test/builder/requirement-reader.test.ts checks
 * it case by case against `packaging`.
 */
export const REQUIREMENTS_PY = String.raw`"""PEP 508 requirements and PEP 440 versions, as far as checking a build environment needs."""
import os, re, sys

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


def requirement_checker(site_dir):
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
                raise ValueError("build requirement %r is not a PEP 508 requirement: %s" % (text, err))
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
`;
