#!/usr/bin/env bash
# Everything hbuild needs on a fresh machine: npm dependencies, the compiled CLI,
# a running Docker engine (installed and started when running as root), mmdebstrap,
# and the default builder image. Safe to run again: each step is skipped when done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
[ "$node_major" -ge 20 ] || die "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
log "compiling"
npm run --silent build

apt_install() {
  [ "$(id -u)" = 0 ] || die "$1 is missing; install it (Debian: sudo apt-get install $*) and run this again"
  log "installing $* from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

engine_up() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  apt_install docker.io
fi
command -v mmdebstrap >/dev/null 2>&1 || apt_install mmdebstrap

if ! engine_up; then
  [ -z "${DOCKER_HOST:-}" ] || die "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST"
  [ "$(id -u)" = 0 ] || die "no Docker engine is running; start one (sudo dockerd &) or set DOCKER_HOST"
  log "starting dockerd"
  nohup dockerd >/var/log/hbuild-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do engine_up && break; sleep 1; done
  engine_up || die "dockerd did not come up; see /var/log/hbuild-dockerd.log"
fi

image="${HBUILD_IMAGE:-default}"
if [ -z "$(docker images -q --filter "label=org.hbuild.image=$image")" ]; then
  log "building the $image builder image"
  node bin/hbuild.js image build "$image"
fi
log "ready"
