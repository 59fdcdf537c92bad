#!/usr/bin/env bash
# Set everything up, then run the whole test suite against the real Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Debian packages some tests need: headless Chromium renders the verify report's HTML,
# tmux is the real terminal the live view is checked in.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "test: installing ${missing[*]} from Debian for the HTML report and live view tests" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test: ${missing[*]} missing (Debian: sudo apt-get install ${missing[*]}); the tests that use them will fail" >&2
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
