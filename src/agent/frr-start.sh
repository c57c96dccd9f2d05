#!/bin/bash
# Starts FRR in a router container, deterministically, and applies its config.
#
# Why not `frrinit.sh start`: it only starts watchfrr, which starts each daemon
# with `watchfrr.sh start <daemon>` = daemon start + `vtysh -b -d <daemon>` as
# a background job, and kills any job still running after its restart timeout
# (-T, 20 s). Under CPU contention (15+ containers starting on 2 cores, or a
# busy laptop) that job takes longer, vtysh is killed mid-config (zebra logs
# "vtysh_read: read failed ... Connection reset by peer"), the daemon keeps
# running without its config, and nothing ever retries. The PoP health
# checker's first `network` command then creates a bare `router bgp 64500`.
#
# Here: start the daemons directly (each returns once it is ready), apply
# frr.conf with one `vtysh -b` that nothing kills, check the result in the
# running config, retry if it is not there, and only then write the ready
# marker that the health checker and `up` wait for.
#
#   frr-start.sh all          # every daemon enabled in /etc/frr/daemons
#   frr-start.sh bgpd         # one daemon (restore after the `bgp` fault)
set -u
READY=/run/anycast-lab/frr-ready
FAILED=/run/anycast-lab/frr-failed
FRR_BIN=/usr/lib/frr
# Bash builtins only for clocks and waits: this runs in every router at once
# while 15 containers compete for 2 cores, and each fork is CPU `up` waits for.
now() { local t=${EPOCHREALTIME/./}; NOW=${t:0:-3}; } # Unix ms into NOW
log() { local us=${EPOCHREALTIME#*.}; printf '%(%H:%M:%S)T.%s frr-start[%s]: %s\n' -1 "${us:0:3}" "${NODE:-?}" "$*"; }
exec 9<> <(:) # a pipe nothing writes to: `read -t` on it is a sleep without a fork
nap() { read -rt "$1" -u 9 || true; }

# /etc/frr/daemons is Debian's layout (rendered by anycast-lab): which daemons
# are enabled, and their options.
. /etc/frr/daemons

# Each daemon reads its own part of frr.conf at start (-f), split here by
# top-level statement. Why not `vtysh -b`: it sends frr.conf line by line, a
# round trip to a daemon per line; with 15 containers starting on 2 cores each
# round trip waits for the scheduler, and applying 80 lines took 0.9-3.2 s per
# router (36 ms idle), the longest step between a container's start and its
# BGP sessions. A daemon reading its own file takes milliseconds. vtysh -b is
# still the fallback: for a statement this split does not know, and when the
# check after start finds something missing. Bash builtins only.
DAEMON_CONF=${DAEMON_CONF:-/run/anycast-lab}
FRR_CONF=${FRR_CONF:-/etc/frr/frr.conf}
SPLIT=0
split_conf() { # sets SPLIT=1 when every statement found its daemon(s)
  local line owner=none known=1
  exec 5>"$DAEMON_CONF/zebra.conf" 6>"$DAEMON_CONF/bgpd.conf" 7>"$DAEMON_CONF/bfdd.conf"
  while IFS= read -r line; do
    case $line in
      '' | '!'*) continue ;;
      ' '* | exit) ;; # inside the current stanza: same owner
      'frr '* | 'hostname '* | 'log '*) owner=global ;;
      'service integrated-vtysh-config') owner=none ;; # vtysh's own setting
      bfd) owner=bfdd ;;
      # vtysh -b gives prefix-lists (both families) and route-maps to zebra
      # as well: so do we. Without the IPv6 ones every router of a
      # dual-stack lab fell back to vtysh -b (~400 ms each, idle).
      'ip prefix-list '* | 'ipv6 prefix-list '* | 'route-map '*) owner=policy ;;
      'router bgp '* | 'bgp '*) owner=bgpd ;;
      'zebra '*) owner=zebra ;; # zebra's own settings (zebra work-queue)
      *) log "frr.conf: no daemon known for '$line'; zebra and bgpd get frr.conf from vtysh -b"; owner=none known=0 ;;
    esac
    case $owner in
      # bfdd too gets the globals: without `log file` its messages go nowhere.
      global) printf '%s\n' "$line" >&5; printf '%s\n' "$line" >&6; printf '%s\n' "$line" >&7 ;;
      policy) printf '%s\n' "$line" >&5; printf '%s\n' "$line" >&6 ;;
      zebra) printf '%s\n' "$line" >&5 ;;
      bgpd) printf '%s\n' "$line" >&6 ;;
      bfdd) printf '%s\n' "$line" >&7 ;;
    esac
  done <"$FRR_CONF"
  exec 5>&- 6>&- 7>&-
  SPLIT=$known
  return 0 # bfdd's file is complete either way
}

# bgpd may read its file just after `-d` returns: a few looks before vtysh -b.
read_in() {
  local i
  for ((i = 0; i < 30; i++)); do
    verify quiet && return 0
    nap 0.1
  done
  return 1
}

start_daemon() { # name
  local d=$1 opts
  eval "opts=\${${d}_options:-}"
  pgrep -x "$d" >/dev/null && return 0
  # bfdd always reads its profiles from its own file (no vtysh job on the
  # last step before the ready marker); zebra and bgpd when the split worked.
  if [ "$d" = bfdd ] || { ((SPLIT)) && [ -f "$DAEMON_CONF/$d.conf" ]; }; then opts="$opts -f $DAEMON_CONF/$d.conf"; fi
  # -d returns once the daemon has read its config (its file, or none) and opened its
  # vty socket, so vtysh can reach it right after.
  # shellcheck disable=SC2086
  "$FRR_BIN/$d" -d -F "${frr_profile:-traditional}" $opts || { log "$d failed to start"; return 1; }
}

# What must be in the running config for frr.conf to count as applied: bgpd's
# router-id and every neighbour, or, for bfdd, every BFD profile. `up` then
# checks every statement (src/lab/config-drift.ts).
verify() { # [daemon|quiet]
  local running want pattern='^ (bgp router-id|neighbor [0-9.]+ remote-as) '
  [ "${1:-}" = bfdd ] && pattern='^ profile '
  running="$(vtysh -c 'show running-config' 2>/dev/null)" || return 1
  while IFS= read -r want; do
    [[ $'\n'$running$'\n' == *$'\n'"$want"$'\n'* ]] || { [ "${1:-}" = quiet ] || log "missing after apply: '$want'"; return 1; }
  done < <(grep -E "$pattern" "$FRR_CONF")
  return 0
}

# Sessions that came up so far, from bgpd's log (log-neighbor-changes), in
# bash alone: no grep/sleep processes while 15 containers compete for 2 cores.
count_up() { # into UPS
  local line
  UPS=0
  [ -r /var/log/frr/frr.log ] || return 0
  while IFS= read -r line; do [[ $line == *'ADJCHANGE: neighbor '*' Up' ]] && UPS=$((UPS + 1)); done </var/log/frr/frr.log
}

apply() { # [daemon]
  local attempt t0 rc
  for attempt in 1 2 3 4 5; do
    now; t0=$NOW
    if [ -n "${1:-}" ]; then vtysh -b -d "$1"; else vtysh -b; fi >/var/log/frr/vtysh-b.log 2>&1
    rc=$?
    if verify "${1:-}"; then
      now; log "config applied (attempt $attempt, vtysh -b rc=$rc, $((NOW - t0)) ms)"
      return 0
    fi
    log "config not applied yet (attempt $attempt, rc=$rc); retrying"
    nap 0.5
  done
  return 1
}

# Either marker tells `up` (and the PoP health checker) where FRR stands.
fail() { log "$*"; echo "$*" >"$FAILED"; exit 1; }

mkdir -p /var/log/frr /var/run/frr /run/anycast-lab
chown frr:frr /var/log/frr /var/run/frr 2>/dev/null || true
rm -f "$READY" "$FAILED"
now; t0=$NOW
case "${1:-all}" in
  all)
    split_conf
    # zebra first: the others connect to it at start.
    start_daemon zebra || fail "zebra failed to start"
    pids=()
    for d in bgpd ospfd ospf6d ripd ripngd isisd pimd ldpd nhrpd eigrpd babeld sharpd pbrd staticd fabricd vrrpd pathd; do
      eval "en=\${$d:-no}"
      [ "$en" = yes ] || continue
      start_daemon "$d" & pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p" || fail "a daemon failed to start (see above)"; done
    now; t1=$NOW
    if ((SPLIT)) && read_in; then
      now; log "config read by the daemons from their own files ($((NOW - t1)) ms)"
    else
      ((SPLIT)) && log "config not in place after the daemons read their files; applying frr.conf with vtysh -b"
      apply || fail "frr.conf could not be applied"
    fi
    if [ "${bfdd:-no}" = yes ]; then
      # bfdd last, once this router's BGP sessions are up (or after 5 s).
      # bgpd registers each BFD session without an interface and re-registers
      # it with one when the TCP session connects; if BFD was already up, the
      # re-registration reads as "BFD down" and bgpd resets the session it just
      # established (Cease/BFD Down). Started after BGP, the first
      # registration bfdd sees (zebra replays them) already has the interface.
      want=$(grep -cE '^ neighbor [0-9.]+ bfd$' "$FRR_CONF")
      for ((i = 0; i < 50; i++)); do
        count_up; [ "$UPS" -ge "$want" ] && break
        nap 0.1
      done
      # No vtysh here: bfdd read its profiles from its own file (no vtysh job
      # to be cut short), and `up` checks every statement of frr.conf,
      # profiles included, in the running config right after the ready marker.
      start_daemon bfdd || fail "bfdd failed to start"
    fi
    ;;
  *)
    # One daemon back (a fault, a repair): bfdd reads its file, the others
    # get their part from vtysh -b -d, checked.
    split_conf
    SPLIT=0
    start_daemon "$1" || fail "$1 failed to start"
    now; t1=$NOW
    apply "$1" || fail "$1's part of frr.conf could not be applied"
    ;;
esac
now
printf '{"daemonsMs":%d,"applyMs":%d,"at":%s}\n' $((t1 - t0)) $((NOW - t1)) "$NOW" >"$READY"
log "ready: daemons $((t1 - t0)) ms, config $((NOW - t1)) ms"
