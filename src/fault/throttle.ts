// Both ends of every uplink are rate-limited to a trickle with tbf, as on a
// congested or badly degraded link: nothing goes down and nothing withdraws
// the route, so the clients on the PoP are not expected to move; what the
// run shows is how many answers they lose and whether the BGP/BFD packets,
// queued with everything else, still get through. (tbf, not netem: many
// kernels, this one included, have no sch_netem.)
import type { FaultMode } from './fault.js';
import { onEveryUplinkEnd, prepareInterfaces } from './uplinks.js';

/** 64 kbit/s: a few hundred DNS answers a second at most, shared with BGP and BFD; a 50 ms queue, then drops. */
export const THROTTLE_TBF = 'tbf rate 64kbit burst 2k latency 50ms';

/** Idempotent both ways: `replace` installs or overwrites; removal only touches a root tbf, so a second restore finds nothing to do. */
export const throttleCommand = (ifname: string): string => `tc qdisc replace dev ${ifname} root ${THROTTLE_TBF}`;
export const unthrottleCommand = (ifname: string): string =>
  `if tc qdisc show dev ${ifname} | grep -q '^qdisc tbf .* root '; then tc qdisc del dev ${ifname} root; fi`;

export const throttle: FaultMode = {
  name: 'throttle',
  summary: 'tbf limits both ends of every PoP uplink to 64 kbit/s; nothing withdraws the route',
  detection: 'none',
  recreatesNode: false,
  // BFD packets queue behind the answers: a tight BFD may declare the session down where the hold timer would not.
  bfdMatters: true,
  prepare: prepareInterfaces,
  inject: (ctx) =>
    onEveryUplinkEnd(ctx, 'inject', 'throttle', (ifnames) => ({
      cmd: ['sh', '-c', ifnames.map(throttleCommand).join(' && ')],
      detail: `${ifnames.join(', ')}: ${THROTTLE_TBF}`,
    })),
  restore: (ctx) =>
    onEveryUplinkEnd(ctx, 'restore', 'unthrottle', (ifnames) => ({
      cmd: ['sh', '-c', ifnames.map(unthrottleCommand).join(' && ')],
      detail: ifnames.join(', '),
    })),
};
