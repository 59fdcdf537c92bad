/**
 * The in-container repair step, shipped in the build scaffold as /build/hbuild/repair.py when a
 * recipe asks for `repair`. It runs the frontend (its command follows `--`) with the wheel
 * going to /build/unrepaired, then auditwheel, from the build environment, with the build's
 * own Python: the wheel's external shared libraries are copied into `<pkg>.libs/`, patched
 * with Debian's patchelf, and the wheel is tagged for exactly the requested platform
 * (`--only-plat`) and written to /build/out, the one wheel that leaves the container.
 * auditwheel dates every zip member from SOURCE_DATE_EPOCH and writes them in sorted order,
 * so the repaired wheel reproduces.
 *
 * Exit codes: the frontend's own when it fails; 4 auditwheel or patchelf missing;
 * 6 auditwheel refused or failed to repair (its message is in the log).
 */
export const REPAIR_PY = String.raw`"""hbuild's repair step: build the wheel with the frontend, then auditwheel repair it."""
import importlib.util, os, shutil, subprocess, sys, time

UNREPAIRED = "/build/unrepaired"


def say(message):
    sys.stderr.write("hbuild-repair: " + message + "\n")
    sys.stderr.flush()


def fail(code, message):
    # The frontend's prefix, so that hbuild names the cause the same way for both steps.
    sys.stderr.write("hbuild-frontend: error: " + message + "\n")
    sys.stderr.flush()
    sys.exit(code)


def wheels(directory):
    return sorted(n for n in os.listdir(directory) if n.endswith(".whl"))


def main():
    # --sha256 names this script's digest in the build command (and so in the input digest).
    if len(sys.argv) < 8 or sys.argv[1] != "--sha256" or sys.argv[3] != "--plat" or sys.argv[5] != "--out" or sys.argv[7] != "--":
        fail(2, "usage: repair.py --sha256 HEX --plat PLATFORM --out DIR -- FRONTEND-COMMAND...")
    platform, out, frontend = sys.argv[4], sys.argv[6], sys.argv[8:]
    if importlib.util.find_spec("auditwheel") is None:
        fail(4, "the build environment lacks auditwheel, required by the recipe's repair")
    if shutil.which("patchelf") is None:
        fail(4, "the builder image lacks patchelf, required by the recipe's repair")
    built = subprocess.run(frontend)
    if built.returncode != 0:
        sys.exit(built.returncode)
    found = wheels(UNREPAIRED)
    if len(found) != 1:
        fail(5, "build_wheel left %d wheels in %s, not one" % (len(found), UNREPAIRED))
    started = time.monotonic()
    repaired = subprocess.run([sys.executable, "-m", "auditwheel", "repair", "--plat", platform, "--only-plat", "-w", out, os.path.join(UNREPAIRED, found[0])])
    if repaired.returncode != 0:
        fail(6, "auditwheel could not repair %s for %s (exit %d; its reason is above)" % (found[0], platform, repaired.returncode))
    result = wheels(out)
    if len(result) != 1:
        fail(6, "auditwheel wrote %d wheels to %s, not one" % (len(result), out))
    say("auditwheel repair in %.3f s: %s" % (time.monotonic() - started, result[0]))


if __name__ == "__main__":
    main()
`;
