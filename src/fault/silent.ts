// The uplinks stay up but carry nothing, in both directions, on both ends: a
// blackhole no interface reports. Only BFD or the BGP hold timer can notice.
import type { FaultMode } from './fault.js';
import { onEveryUplinkEnd, prepareInterfaces, run, uplinkEnds } from './uplinks.js';

export const SILENT_TABLE = 'anycast_lab_fault';

/** One table, hooked before anything else (priority -400) on the way in and out; ARP is not IP and keeps working. */
export function silentRuleset(ifnames: string[]): string {
  const set = `{ ${ifnames.map((i) => JSON.stringify(i)).join(', ')} }`;
  return [
    `table inet ${SILENT_TABLE} {`,
    `  chain pre { type filter hook prerouting priority -400; policy accept; iifname ${set} drop; }`,
    `  chain post { type filter hook postrouting priority -400; policy accept; oifname ${set} drop; }`,
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
  prepare: prepareInterfaces,
  inject: (ctx) =>
    onEveryUplinkEnd(ctx, 'inject', 'drop all', (ifnames) => ({ cmd: ['nft', '-f', '-'], stdin: silentRuleset(ifnames), detail: ifnames.join(', ') })),
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
