#!/bin/bash
# Entrypoint of the route collector container (lab/plan.ts, collectorPlan):
# GoBGP, passive, with /etc/gobgp/gobgpd.toml (render/collector.ts), and the
# recorder that stamps every update it hears (collector-main.ts). PID 1 is
# docker-init, so both are reaped.
set -u
mkdir -p /var/log/anycast-lab
# gobgpd exits if an address of its local-address-list is not on an interface
# yet: on a Swarm overlay the lab puts the IPv6 one on after start (host
# setup, a few seconds). Wait for each, at most 60 s, then start it anyway
# (its log says which bind failed).
for a in $(sed -n 's/^ *local-address-list = \[\(.*\)\]/\1/p' /etc/gobgp/gobgpd.toml | tr -d '" ' | tr ',' ' '); do
  for _ in $(seq 600); do ip -o addr show | grep -q " $a/" && break; sleep 0.1; done
done
echo "$(date +%H:%M:%S.%3N) collector: starting gobgpd"
gobgpd -f /etc/gobgp/gobgpd.toml -t toml --log-level=info >/var/log/anycast-lab/gobgpd.log 2>&1 &
exec node /opt/anycast-lab/collector.mjs
