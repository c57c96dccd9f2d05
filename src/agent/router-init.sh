#!/bin/bash
# Entrypoint of every router container (PID 1 is docker-init, so agents
# started here are reaped). Environment: ROLE=pop|transit|eyeball, NODE,
# ANYCAST_ADDRS (PoPs: "192.0.2.53/24 192.0.2.80/24").
set -u
log() { echo "$(date +%H:%M:%S.%3N) router-init[$NODE]: $*"; }

# Docker installs `default via <host bridge>` even on internal networks.
# Routers learn everything from BGP; nothing may fall back to the host.
ip route del default 2>/dev/null || true

if [ "$ROLE" = pop ]; then
  # This kernel has no `dummy` link type; a bridge with no ports stays UP with
  # carrier and holds the anycast addresses just as well.
  ip link show anycast0 >/dev/null 2>&1 || ip link add anycast0 type bridge
  for a in $ANYCAST_ADDRS; do ip addr replace "$a" dev anycast0; done
  ip link set anycast0 up
fi

mkdir -p /var/log/frr /run/anycast-lab /var/log/anycast-lab

if [ "$ROLE" = pop ]; then
  # Started with FRR, not after it, so the responder is listening by the time
  # routes converge. The health checker touches BGP only once frr-start.sh has
  # written the ready marker (a `router bgp` before the config would create a
  # bare BGP instance). Separate processes: SIGSTOP on the responder must not
  # stop the checker that withdraws the route when the responder dies.
  log "starting responder and health checker"
  nohup /usr/local/bin/node /opt/anycast-lab/pop-responder.mjs /etc/anycast-lab/pop.json >>/var/log/anycast-lab/responder.log 2>&1 &
  nohup /usr/local/bin/node /opt/anycast-lab/pop-health.mjs /etc/anycast-lab/pop.json >>/var/log/anycast-lab/health.out 2>&1 &
fi

log "starting FRR"
# Daemons started directly and the config applied and checked before anything
# else touches vtysh: see frr-start.sh for why not frrinit.sh/watchfrr.
# On failure it leaves /run/anycast-lab/frr-failed saying why; `up` repairs or reports it.
/bin/bash /opt/anycast-lab/frr-start.sh all || log "FRR failed to start; see /run/anycast-lab/frr-failed and /var/log/frr"


log "ready"
exec sleep infinity
