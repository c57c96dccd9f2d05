#!/bin/bash
# Entrypoint of the route collector container (lab/plan.ts, collectorPlan):
# GoBGP, passive, with /etc/gobgp/gobgpd.toml (render/collector.ts), and the
# recorder that stamps every update it hears (collector-main.ts). PID 1 is
# docker-init, so both are reaped.
set -u
mkdir -p /var/log/anycast-lab
echo "$(date +%H:%M:%S.%3N) collector: starting gobgpd"
gobgpd -f /etc/gobgp/gobgpd.toml -t toml --log-level=info >/var/log/anycast-lab/gobgpd.log 2>&1 &
exec node /opt/anycast-lab/collector.mjs
