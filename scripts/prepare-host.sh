#!/usr/bin/env bash
# Prepares a host to run anycast-lab: Docker engine running, mmdebstrap (builds
# the images offline, no registry needed), Node >= 20 and node_modules.
# Idempotent: installs only what is missing and runs `apt-get update` only then.
# Works as root without a TTY (CI). Debian/Ubuntu only; elsewhere it prints
# what to install and exits 1.
#
# Offline install: `--from <archive>` (written by `npm run lab -- pack`), or
# that archive named anycast-lab-pack.tar beside the project on a first run.
# Then no registry is asked anything: the images are `docker load`ed from the
# archive and node_modules comes from the npm cache in it (`npm ci --offline`).
# The archive cannot carry the Docker engine or Node: the host must have both.
# No apt step in that mode (mmdebstrap only builds images, dig and chromium are
# for the test suite), on any Linux distribution; the mode persists through
# .cache/packed-images.json, so later `npm run lab` runs skip apt too.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OS_RELEASE="${ANYCAST_LAB_OS_RELEASE:-/etc/os-release}"  # overridable for testing this script
DOCKERD_LOG="${ANYCAST_LAB_DOCKERD_LOG:-/var/log/anycast-lab-dockerd.log}"
DOCKER_PID_FILE=/var/run/docker.pid
DOCKER_SOCK=/var/run/docker.sock
DOCKER_DEADLINE_S=60
# Names shared with src/lab/pack.ts (DEFAULT_PACK_NAME, PAYLOAD_DIR) and src/runtime/image-store.ts (PACKED_IMAGES_FILE).
PACK_NAME=anycast-lab-pack.tar
PAYLOAD_DIR=anycast-lab-pack
PACKED_FILE="$REPO_ROOT/.cache/packed-images.json"

# Output goes to stderr: `npm run lab -- status --json` runs this first, and its
# stdout belongs to the JSON. --quiet keeps only lines about actions taken.
QUIET=0
FROM=""
say() { printf 'prepare-host: %s\n' "$*" >&2; }
note() { ((QUIET)) || say "$@"; }
die() { printf 'prepare-host: ERROR: %s\n' "$*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --quiet) QUIET=1 ;;
    --from) FROM="${2:-}"; [[ -n "$FROM" ]] || die "--from needs the archive written by \`npm run lab -- pack\`"; shift ;;
    --from=*) FROM="${1#--from=}" ;;
    *) die "unknown option: $1 (options: --quiet, --from <archive>)" ;;
  esac
  shift
done

requirements() {
  cat >&2 <<'EOF'
anycast-lab needs:
  - Docker engine >= 20.10, running, with the CLI (containers need --cap-add NET_ADMIN/NET_RAW/SYS_ADMIN; --privileged is not used)
  - mmdebstrap (builds the router/client images offline from apt sources),
    or a reachable registry serving debian:bookworm-slim and ANYCAST_LAB_IMAGE_BUILDER=dockerfile,
    or neither with an archive from `npm run lab -- pack`: prepare-host.sh --from <archive>
  - Node.js >= 20 with npm
EOF
}

# --- offline archive ------------------------------------------------------------
# First run of a project extracted from a pack: the archive beside it is the source.
if [[ -z "$FROM" && ! -d "$REPO_ROOT/node_modules" && -f "$REPO_ROOT/../$PACK_NAME" ]]; then
  FROM="$REPO_ROOT/../$PACK_NAME"
  say "found $PACK_NAME beside the project: installing from it"
fi
OFFLINE=0
if [[ -n "$FROM" ]]; then
  [[ -f "$FROM" ]] || die "--from $FROM: no such file"
  FROM="$(cd "$(dirname "$FROM")" && pwd)/$(basename "$FROM")"
  PACK_MANIFEST="$(tar -xOf "$FROM" "$PAYLOAD_DIR/manifest.json" 2>/dev/null)" || die "$FROM is not an archive from \`lab pack\` (no $PAYLOAD_DIR/manifest.json in it)"
  OFFLINE=1
elif [[ -f "$PACKED_FILE" ]]; then
  OFFLINE=1
fi

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else SUDO=(__need_root__); fi
fi
as_root() {
  [[ "${SUDO[0]:-}" == __need_root__ ]] && die "need root (or passwordless sudo) for: $*"
  "${SUDO[@]}" "$@"
}

# --- packages -------------------------------------------------------------------
if ((OFFLINE)); then
  # No package client runs in this mode: the archive replaces the registries, but not the engine.
  if ! command -v docker >/dev/null 2>&1; then
    say "offline install: the Docker engine must already be installed (the archive cannot carry it)"
    requirements
    exit 1
  fi
  note "offline install${FROM:+ from $FROM}: no apt step (images come from the archive; mmdebstrap, dig, chromium are not needed to run the lab)"
else
  os_id=""; os_like=""
  if [[ -r "$OS_RELEASE" ]]; then
    os_id="$(. "$OS_RELEASE"; echo "${ID:-}")"
    os_like="$(. "$OS_RELEASE"; echo "${ID_LIKE:-}")"
  fi
  if ! [[ " $os_id $os_like " =~ \ (debian|ubuntu)\  ]] || ! command -v apt-get >/dev/null 2>&1; then
    say "unsupported host (ID=${os_id:-unknown}); install these yourself, then run \`npm ci\`:" >&2
    requirements
    exit 1
  fi

  missing=()
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v docker >/dev/null 2>&1 || [[ " ${missing[*]-} " == *" docker.io "* ]] || missing+=(docker.io)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  # dig on the host: the responder unit tests query it on loopback with a real, independent client.
  command -v dig >/dev/null 2>&1 || missing+=(dnsutils)
  # The dashboard's tests drive a real browser (playwright-core, no bundled browser).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  # Zonemaster checks the lab's zone from inside a client's netns (test/integration/zone.test.ts).
  command -v zonemaster-cli >/dev/null 2>&1 || missing+=(zonemaster-cli)
  # strace from the host: the failover test counts a router's bfdd polls (the image's libfrr patch).
  command -v strace >/dev/null 2>&1 || missing+=(strace)
  # docker.io pulls iptables; mmdebstrap in root mode needs nothing more.
  if ((${#missing[@]})); then
    say "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq >&2
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    note "packages present: dockerd, docker, mmdebstrap, dig, chromium, zonemaster-cli, strace"
  fi
fi

# Distro Node is too old on Debian 12 (18) and Ubuntu 22.04 (12); the lab copies
# the host's node binary into its images, so it must be >= 20 here.
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if ((node_major < 20)); then
  say "Node.js >= 20 is required (found: $(node --version 2>/dev/null || echo none))."
  requirements
  exit 1
fi
command -v npm >/dev/null 2>&1 || die "npm not found next to node $(node --version); install npm for Node >= 20"
note "node $(node --version)"

# --- dockerd ----------------------------------------------------------------------
docker_ok() { timeout 10 docker info >/dev/null 2>&1; }

dockerd_alive() { # pid
  [[ -n "${1:-}" && -r "/proc/$1/comm" && "$(cat "/proc/$1/comm" 2>/dev/null)" == dockerd ]]
}

# /proc scan instead of pgrep/pidof, which minimal hosts may lack.
dockerd_running() {
  local f
  for f in /proc/[0-9]*/comm; do
    [[ "$(cat "$f" 2>/dev/null)" == dockerd ]] && return 0
  done
  return 1
}

# After a killed dockerd the pid file survives and a new dockerd refuses to
# start ("pid file found, ensure docker is not running"). Remove it only when
# the pid in it is not a live dockerd.
clear_stale_pid() {
  [[ -f "$DOCKER_PID_FILE" ]] || return 0
  local pid; pid="$(cat "$DOCKER_PID_FILE" 2>/dev/null || true)"
  if dockerd_alive "$pid"; then return 0; fi
  say "removing stale $DOCKER_PID_FILE (pid ${pid:-?} is not a running dockerd)"
  as_root rm -f "$DOCKER_PID_FILE"
}

start_dockerd() {
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
    say "starting docker via systemctl"
    as_root systemctl start docker && return 0
    say "systemctl start docker failed; starting dockerd directly"
  fi
  clear_stale_pid
  say "starting dockerd in the background (log: $DOCKERD_LOG)"
  as_root sh -c "nohup dockerd >>'$DOCKERD_LOG' 2>&1 </dev/null &"
}

wait_docker() { # deadline seconds
  local end=$((SECONDS + $1))
  while ((SECONDS < end)); do
    [[ -S "$DOCKER_SOCK" ]] && docker_ok && return 0
    # dockerd gone already: no point waiting out the deadline.
    if ! dockerd_running && [[ ! -d /run/systemd/system ]]; then return 1; fi
    sleep 1
  done
  return 1
}

if docker_ok; then
  note "docker engine running: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
elif dockerd_running; then
  # Starting a second dockerd would fail on the pid file; give this one time to come up.
  say "dockerd is running but not answering yet; waiting up to ${DOCKER_DEADLINE_S}s"
  wait_docker "$DOCKER_DEADLINE_S" || die "dockerd runs but \`docker info\` fails: $(docker info 2>&1 | tail -n 1) (not root? add yourself to the docker group)"
  say "docker engine running: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
else
  start_dockerd
  if ! wait_docker "$DOCKER_DEADLINE_S"; then
    if tail -n 50 "$DOCKERD_LOG" 2>/dev/null | grep -q 'pid file found'; then
      say "dockerd refused to start: stale pid file; retrying once"
      clear_stale_pid
      start_dockerd
      wait_docker "$DOCKER_DEADLINE_S" || die "dockerd did not come up within ${DOCKER_DEADLINE_S}s; see $DOCKERD_LOG"
    else
      die "dockerd did not come up within ${DOCKER_DEADLINE_S}s; see $DOCKERD_LOG (last lines: $(tail -n 3 "$DOCKERD_LOG" 2>/dev/null | tr '\n' ' '))"
    fi
  fi
  say "docker engine running: $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
fi

# --- images from the archive -----------------------------------------------------------
pack_field() { # a JS expression over the manifest `m`
  node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(eval(process.argv[1]))' "$1" <<<"$PACK_MANIFEST"
}
if [[ -n "$FROM" ]]; then
  platform="$(node -p 'process.platform + "-" + process.arch')"
  [[ "$(pack_field m.platform)" == "$platform" ]] || die "$FROM was packed on a $(pack_field m.platform) host; this one is $platform (images and native npm parts do not carry over)"
  read -r -a pack_refs <<<"$(pack_field 'Object.values(m.images).map((i) => i.ref).join(" ")')"
  images_present() { local r; for r in "${pack_refs[@]}"; do docker image inspect "$r" >/dev/null 2>&1 || return 1; done; }
  if images_present; then
    note "images present: ${pack_refs[*]}"
  else
    say "docker load: ${pack_refs[*]}"
    # docker load reads the gzip as is; nothing lands on disk but the images.
    tar -xOf "$FROM" "$PAYLOAD_DIR/images.tar.gz" | docker load >&2
    images_present || die "docker load did not produce ${pack_refs[*]}"
  fi
  # The images hold the packing host's node binary; `up` must use them as they are (src/runtime/image-store.ts).
  mkdir -p "$(dirname "$PACKED_FILE")"
  printf '%s\n' "$PACK_MANIFEST" >"$PACKED_FILE"
fi

# --- node_modules ---------------------------------------------------------------------
cd "$REPO_ROOT"
# npm records what it installed in node_modules/.package-lock.json; a newer
# package-lock.json means dependencies changed since.
if [[ ! -d node_modules || ( -f package-lock.json && package-lock.json -nt node_modules/.package-lock.json ) ]]; then
  if [[ -n "$FROM" ]]; then
    npm_tmp="$(mktemp -d)"
    trap 'rm -rf "$npm_tmp"' EXIT
    tar -xOf "$FROM" "$PAYLOAD_DIR/npm-cache.tar" | tar -xf - -C "$npm_tmp"
    say "npm ci --offline (packages from the archive's npm cache)"
    # --offline: a package missing from the cache fails here (ENOTCACHED) instead of reaching for a registry.
    # --registry: the lockfile has no resolved URLs, so the cache is keyed by the registry it was filled from.
    npm ci --offline --cache "$npm_tmp/npm-cache" --registry "$(pack_field m.npm.registry)" --no-audit --no-fund --loglevel=error >&2
  elif [[ -f package-lock.json ]]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error >&2
  else
    say "npm install (no package-lock.json)"
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
else
  note "node_modules present"
fi

note "ready"
