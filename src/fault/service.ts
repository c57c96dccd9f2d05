// The DNS/HTTP responder freezes (SIGSTOP) while routing stays healthy: only
// the PoP's own health checker can notice, and it withdraws the prefix after
// `health.failures` failed checks `health.interval` apart.
//
// Aimed at one family (`--family ipv6`), the responder cannot be frozen for
// one family alone (one process serves both), so that family's service
// addresses go dark instead: nftables drops what arrives for them on the PoP,
// the health checker's own probe included (it is delivered through the same
// input hook), so that family's checker withdraws its prefix and the other
// family stays announced and answered.
import { POP_PATHS } from '../contract/agent.js';
import { containerName } from '../runtime/labels.js';
import type { Family, Lab } from '../topology/model.js';
import type { FaultContext, FaultMode } from './fault.js';
import { run } from './uplinks.js';

export const SERVICE_TABLE = 'anycast_lab_service';

const popSide = (ctx: FaultContext) => ({ node: ctx.pop, container: containerName(ctx.lab.name, ctx.pop) });

const signalResponder = async (ctx: FaultContext, sig: 'STOP' | 'CONT'): Promise<void> => {
  ctx.progress.step(ctx.pop, `SIG${sig} responder`);
  await run(ctx.rt, popSide(ctx), `SIG${sig} the responder`, ['sh', '-c', `kill -${sig} "$(cat ${POP_PATHS.responderPid})"`]);
};

/** The family's anycast service addresses: DNS and HTTP (the stream shares HTTP's). */
export function serviceAddresses(lab: Lab, family: Family): string[] {
  const a = family === 'ipv6' ? lab.anycast.ipv6 : lab.anycast;
  return a ? [a.dnsAddress, a.httpAddress] : [];
}

/** Drops everything addressed to `addresses` on arrival, before any socket sees it (priority -400, as silent's table). */
export function serviceDropRuleset(family: Family, addresses: string[]): string {
  const match = `${family === 'ipv6' ? 'ip6' : 'ip'} daddr { ${addresses.join(', ')} }`;
  return [`table inet ${SERVICE_TABLE} {`, `  chain in { type filter hook input priority -400; policy accept; ${match} drop; }`, '}', ''].join('\n');
}

export const service: FaultMode = {
  name: 'service',
  summary: "SIGSTOP the PoP responder (routing fine); the health checker withdraws. --family: drop one family's service addresses only",
  detection: 'service',
  recreatesNode: false,
  // The sessions stay up: the health checker withdraws, BFD is not involved.
  bfdMatters: false,
  perFamily: true,
  async inject(ctx) {
    if (!ctx.family) return signalResponder(ctx, 'STOP');
    const addresses = serviceAddresses(ctx.lab, ctx.family);
    ctx.progress.step(ctx.pop, `drop ${ctx.family} service (${addresses.join(', ')})`);
    await run(ctx.rt, popSide(ctx), `drop the ${ctx.family} service addresses`, ['nft', '-f', '-'], serviceDropRuleset(ctx.family, addresses));
  },
  // Both undone whatever the family: restore works from the lab alone and may
  // run twice. SIGCONT first: a whole-PoP restore's failback is not delayed.
  async restore(ctx) {
    await signalResponder(ctx, 'CONT');
    await run(ctx.rt, popSide(ctx), 'remove the service drop rules', [
      'sh',
      '-c',
      `nft list table inet ${SERVICE_TABLE} >/dev/null 2>&1 || exit 0; nft delete table inet ${SERVICE_TABLE}`,
    ]);
  },
};
