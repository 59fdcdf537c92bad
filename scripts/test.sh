#!/usr/bin/env bash
# Set everything up, then run the whole test suite against the real Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The verify report test renders HTML in headless Chromium (Debian's package).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "test: installing chromium from Debian for the HTML report test" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test: chromium is missing (Debian: sudo apt-get install chromium); the HTML report test will fail" >&2
  fi
fi
npm run --silent typecheck
# No import cycle between files or folders; only src/engine/ imports dockerode (.dependency-cruiser.cjs).
npm run --silent check:imports
# CI asks for a machine-readable report too (HBUILD_TEST_REPORT=FILE), to prove the Docker tests ran.
if [ -n "${HBUILD_TEST_REPORT:-}" ]; then
  set -- --reporter=default --reporter=json --outputFile.json="$HBUILD_TEST_REPORT" "$@"
fi
exec npx vitest run "$@"
