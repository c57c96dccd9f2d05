#!/usr/bin/env bash
# Prepares a host to run anycast-lab: Docker engine running, mmdebstrap (builds
# the images offline, no registry needed), Node >= 20 and node_modules.
# Idempotent: installs only what is missing and runs `apt-get update` only then.
# Works as root without a TTY (CI). Debian/Ubuntu only; elsewhere it prints
# what to install and exits 1.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OS_RELEASE="${ANYCAST_LAB_OS_RELEASE:-/etc/os-release}"  # overridable for testing this script
DOCKERD_LOG="${ANYCAST_LAB_DOCKERD_LOG:-/var/log/anycast-lab-dockerd.log}"
DOCKER_PID_FILE=/var/run/docker.pid
DOCKER_SOCK=/var/run/docker.sock
DOCKER_DEADLINE_S=60

# Output goes to stderr: `npm run lab -- status --json` runs this first, and its
# stdout belongs to the JSON. --quiet keeps only lines about actions taken.
QUIET=0
[[ "${1:-}" == --quiet ]] && QUIET=1
say() { printf 'prepare-host: %s\n' "$*" >&2; }
note() { ((QUIET)) || say "$@"; }
die() { printf 'prepare-host: ERROR: %s\n' "$*" >&2; exit 1; }

requirements() {
  cat >&2 <<'EOF'
anycast-lab needs:
  - Docker engine >= 20.10, running, with the CLI (containers need --cap-add NET_ADMIN/NET_RAW/SYS_ADMIN; --privileged is not used)
  - mmdebstrap (builds the router/client images offline from apt sources),
    or a reachable registry serving debian:bookworm-slim and ANYCAST_LAB_IMAGE_BUILDER=dockerfile
  - Node.js >= 20 with npm
EOF
}

# --- which OS -----------------------------------------------------------------
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

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else SUDO=(__need_root__); fi
fi
as_root() {
  [[ "${SUDO[0]:-}" == __need_root__ ]] && die "need root (or passwordless sudo) for: $*"
  "${SUDO[@]}" "$@"
}

# --- packages -------------------------------------------------------------------
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
# docker.io pulls iptables; mmdebstrap in root mode needs nothing more.
if ((${#missing[@]})); then
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >&2
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  note "packages present: dockerd, docker, mmdebstrap, dig, chromium, zonemaster-cli"
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

# --- node_modules ---------------------------------------------------------------------
cd "$REPO_ROOT"
# npm records what it installed in node_modules/.package-lock.json; a newer
# package-lock.json means dependencies changed since.
if [[ ! -d node_modules || ( -f package-lock.json && package-lock.json -nt node_modules/.package-lock.json ) ]]; then
  if [[ -f package-lock.json ]]; then
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
