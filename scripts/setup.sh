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

# gVisor's runsc, the optional second sandbox (`--runtime runsc`). It is registered with
# --network=none: builds have no network anyway, and gVisor's network stack does not run here.
DAEMON_JSON=/etc/docker/daemon.json
local_engine() { [ -z "${DOCKER_HOST:-}" ] || [ "$DOCKER_HOST" = unix:///var/run/docker.sock ]; }
can_register() { [ "$(id -u)" = 0 ] && local_engine; }
runsc_listed() { docker info --format '{{range $name, $_ := .Runtimes}}{{$name}}{{println}}{{end}}' 2>/dev/null | grep -qx runsc; }

# Add runtimes.runsc to daemon.json, keeping everything else in it; an existing runsc entry is left as it is.
register_runsc() {
  DAEMON_JSON="$DAEMON_JSON" node --input-type=commonjs <<'JS'
const fs = require('node:fs');
const path = process.env.DAEMON_JSON;
const text = fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : '';
let config;
try {
  config = text.trim() === '' ? {} : JSON.parse(text);
} catch (err) {
  console.error(`setup: error: ${path} is not valid JSON (${err.message}); fix it and run this again`);
  process.exit(1);
}
if (config === null || typeof config !== 'object' || Array.isArray(config)) {
  console.error(`setup: error: ${path} does not hold a JSON object; fix it and run this again`);
  process.exit(1);
}
if (config.runtimes !== undefined && (config.runtimes === null || typeof config.runtimes !== 'object' || Array.isArray(config.runtimes))) {
  console.error(`setup: error: "runtimes" in ${path} is not a JSON object; fix it and run this again`);
  process.exit(1);
}
if (config.runtimes?.runsc !== undefined) process.exit(0);
config.runtimes = { ...config.runtimes, runsc: { path: '/usr/bin/runsc', runtimeArgs: ['--network=none'] } };
fs.mkdirSync(require('node:path').dirname(path), { recursive: true });
fs.writeFileSync(`${path}.hbuild-tmp`, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o644 });
fs.renameSync(`${path}.hbuild-tmp`, path);
console.error(`setup: registered runsc in ${path}`);
JS
}

# The running dockerd: its pid file, else the only dockerd process.
dockerd_pid() {
  if [ -s /var/run/docker.pid ]; then cat /var/run/docker.pid; return; fi
  local pids
  pids=$(pidof dockerd || true)
  [ -n "$pids" ] && [ "$(wc -w <<<"$pids")" = 1 ] || die "cannot tell which dockerd to reload (found: ${pids:-none}); send it SIGHUP yourself"
  echo "$pids"
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  apt_install docker.io
fi
command -v mmdebstrap >/dev/null 2>&1 || apt_install mmdebstrap
if can_register; then
  command -v runsc >/dev/null 2>&1 || apt_install runsc
  register_runsc
fi

if ! engine_up; then
  [ -z "${DOCKER_HOST:-}" ] || die "no Docker engine answers at DOCKER_HOST=$DOCKER_HOST"
  [ "$(id -u)" = 0 ] || die "no Docker engine is running; start one (sudo dockerd &) or set DOCKER_HOST"
  log "starting dockerd"
  nohup dockerd >/var/log/hbuild-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do engine_up && break; sleep 1; done
  engine_up || die "dockerd did not come up; see /var/log/hbuild-dockerd.log"
fi

if ! runsc_listed; then
  if can_register; then
    # dockerd re-reads `runtimes` from daemon.json on SIGHUP; running containers are not touched.
    log "reloading dockerd to register runsc"
    kill -HUP "$(dockerd_pid)"
    for _ in $(seq 1 30); do runsc_listed && break; sleep 1; done
    runsc_listed || die "dockerd did not register runsc after SIGHUP; check $DAEMON_JSON and the dockerd log (is it started with another --config-file?)"
  else
    log "note: the engine has no runsc runtime (needed by --runtime runsc and the runsc isolation tests); run this script as root on the engine's host to register it"
  fi
fi

image="${HBUILD_IMAGE:-default}"
if [ -z "$(docker images -q --filter "label=org.hbuild.image=$image")" ]; then
  log "building the $image builder image"
  node bin/hbuild.js image build "$image"
fi
log "ready"
