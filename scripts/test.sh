#!/usr/bin/env bash
# Set everything up, then run the whole test suite against the real Docker engine.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run --silent typecheck
exec npx vitest run "$@"
