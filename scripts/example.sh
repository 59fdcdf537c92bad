#!/usr/bin/env bash
# Set everything up, then build the shipped example lock into ./wheelhouse.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/hbuild.js build examples/lock.yaml --recipes recipes --out wheelhouse "$@"
