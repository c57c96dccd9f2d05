#!/bin/bash
# Entrypoint of every router container (PID 1 is docker-init, so agents
# started here are reaped). Environment (lab/plan.ts, routerEnv): ROLE, NODE,
# and the role's own steps from its spec (src/topology/roles/<role>.ts):
# ROLE_SETUP runs first, ROLE_SERVICES starts the role's agents alongside FRR,
# plus whatever else the role passes (PoPs: ANYCAST_ADDRS).
set -u
log() { echo "$(date +%H:%M:%S.%3N) router-init[$NODE]: $*"; }

# Docker installs `default via <host bridge>` even on internal networks.
# Routers learn everything from BGP; nothing may fall back to the host.
# A dual-stack lab's routers get one for IPv6 too (via the bridge's ::1);
# with IPv6 disabled ([ipv4] labs) there is none to delete.
ip route del default 2>/dev/null || true
ip -6 route del default 2>/dev/null || true

if [ -n "${ROLE_SETUP:-}" ]; then eval "$ROLE_SETUP"; fi

mkdir -p /var/log/frr /run/anycast-lab /var/log/anycast-lab

if [ -n "${ROLE_SERVICES:-}" ]; then eval "$ROLE_SERVICES"; fi

log "starting FRR"
# Daemons started directly and the config applied and checked before anything
# else touches vtysh: see frr-start.sh for why not frrinit.sh/watchfrr.
# On failure it leaves /run/anycast-lab/frr-failed saying why; `up` repairs or reports it.
/bin/bash /opt/anycast-lab/frr-start.sh all || log "FRR failed to start; see /run/anycast-lab/frr-failed and /var/log/frr"


log "ready"
exec sleep infinity
