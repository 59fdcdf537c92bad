export const USAGE = `hbuild — build Python wheels from pinned, vetted sources in network-less containers

Usage:
  hbuild [build] LOCK.yaml [options]     build every locked sdist into a verified wheelhouse
  hbuild vet LOCK.yaml [options]         vet every locked sdist with static rules (text, JSON or SARIF)
  hbuild verify LOCK.yaml [options]      rebuild every package under variations, compare with each other
                                         and the pins, and explain any difference (hbuild verify --help)
  hbuild lock INPUT [options]            create or update lock.yaml from requirements.txt, pylock.toml
                                         or uv.lock, closing over build requirements (hbuild lock --help)
  hbuild lock --add NAME==VERSION ...    extend an existing lock
  hbuild image build NAME [options]      make the builder image images/NAME with mmdebstrap and load it
  hbuild store verify [--repair]         re-hash every store entry and report corrupt ones
  hbuild store gc [--keep LOCK]... [--keep-days N] [--dry-run]
                                         remove what no kept lock pins and no recent build used
  hbuild attest verify WHEELHOUSE [--key PUBLIC.pem]
                                         check every signature, subject digest and the SBOM, offline
  hbuild attest sign WHEELHOUSE [--key PRIVATE.pem]
                                         (re)write signed provenance and the SBOM of a wheelhouse
  hbuild daemon [options]                serve builds, verification and vetting over a local API
                                         (hbuild daemon --help)
  hbuild help | --version

Build options:
  -o, --out DIR          wheelhouse directory (default: ./wheelhouse)
      --store DIR        content-addressed store (default: $XDG_CACHE_HOME/hbuild/store)
  -j, --jobs N           parallel builds (default: the lock's settings.jobs, else the number of cores)
      --record           write first-seen wheel hashes into the lock (only when there is no pin)
      --only NAME,...    build only these packages and what they need
      --fail-fast        stop everything at the first failure
      --sdist-dir DIR    look for sdists here before the index (repeatable)
      --recipes DIR      per-package build recipes (default: recipes/ beside the lock)
      --vet MODE         enforce (default): refuse sources vetting blocks or the quarantine holds;
                         report: record the verdict in the manifest and build anyway
      --min-age DAYS     release-age quarantine (default 7; 0 turns it off)
      --index-url URL    Python index (default: PIP_INDEX_URL, then pip's configuration)
      --docker-host URL  Docker engine (default: DOCKER_HOST, else unix:///var/run/docker.sock)
      --json             newline-delimited JSON events on stdout
      --daemon           submit to a running \`hbuild daemon\` (or set HBUILD_DAEMON)
      --signing-key FILE ed25519 key for the provenance (default: created in ~/.config/hbuild)
      --timeout SECONDS  wall-clock limit per build (default: 1800)

Image options:
      --images DIR       where builder-image recipes live (default: ./images)
      --mirror URL       Debian mirror (default: from the host's apt sources)
      --out DIR          where the rootfs tarball is kept (default: $XDG_CACHE_HOME/hbuild/images)

Exit codes: 0 ok · 1 build failed · 2 usage or lockfile error · 3 integrity failure ·
            4 source refused (unsafe archive or vetting) · 5 not reproducible ·
            6 Docker engine or builder image unavailable · 130 interrupted
`;
