// The uplinks stay up but carry nothing, in both directions, on both ends: a
// blackhole no interface reports. Only BFD or the BGP hold timer can notice.
import type { Family } from '../topology/model.js';
import type { FaultMode } from './fault.js';
import { onEveryUplinkEnd, prepareInterfaces, run, uplinkEnds } from './uplinks.js';

export const SILENT_TABLE = 'anycast_lab_fault';

/**
 * One table, hooked before anything else (priority -400) on the way in and
 * out; ARP is not IP and keeps working. With a family only that family's
 * packets go (IPv6 neighbour discovery with them): its sessions die on BFD and
 * only its prefix moves.
 */
export function silentRuleset(ifnames: string[], family?: Family): string {
  const set = `{ ${ifnames.map((i) => JSON.stringify(i)).join(', ')} }`;
  const only = family ? ` meta nfproto ${family}` : '';
  return [
    `table inet ${SILENT_TABLE} {`,
    `  chain pre { type filter hook prerouting priority -400; policy accept; iifname ${set}${only} drop; }`,
    `  chain post { type filter hook postrouting priority -400; policy accept; oifname ${set}${only} drop; }`,
    '}',
    '',
  ].join('\n');
}

export const silent: FaultMode = {
  name: 'silent',
  summary: 'nftables drops everything on both ends of every uplink; links stay up',
  detection: 'silent',
  recreatesNode: false,
  bfdMatters: true,
  perFamily: true,
  prepare: prepareInterfaces,
  inject: (ctx) =>
    onEveryUplinkEnd(ctx, 'inject', ctx.family ? `drop ${ctx.family}` : 'drop all', (ifnames) => ({
      cmd: ['nft', '-f', '-'],
      stdin: silentRuleset(ifnames, ctx.family),
      detail: ifnames.join(', '),
    })),
  async restore(ctx) {
    // No interface names needed: the table is removed whole, where it exists.
    await Promise.all(
      uplinkEnds(ctx.lab, ctx.pop).map((side) =>
        run(ctx.rt, side, 'remove drop rules', [
          'sh',
          '-c',
          `nft list table inet ${SILENT_TABLE} >/dev/null 2>&1 || exit 0; nft delete table inet ${SILENT_TABLE}`,
        ]),
      ),
    );
  },
};
