// Asymmetric paths: c-br's query reaches gru directly over the eb-br peering,
// but gru's answer may go back another way. Routing is per destination and
// per router: what gru prefers towards c-br's LAN is gru's own decision. With
// a higher LOCAL_PREF on routes from t-us, the answer leaves through t-us
// (the transit iad and gru share) while the query keeps the direct path.
// Shown with `trace` from both ends; checked from gru's forwarding table and
// a traceroute from inside c-br.
import { readOverrides } from '../lab/overrides.js';
import { parsePolicyRequest, policyFamilies } from '../lab/policy-overrides.js';
import { vtysh } from '../lab/router-query.js';
import { applyPolicy } from '../policy/live-policy.js';
import { addressIndex } from '../probe/address-index.js';
import { askCatchment } from '../probe/ask-clients.js';
import { traceFrom } from '../probe/trace-run.js';
import { containerName } from '../runtime/labels.js';
import type { Lab } from '../topology/model.js';
import { anycastRouters } from '../topology/roles/registry.js';
import { catchmentProblems } from './catchment-check.js';
import { type Criterion, criterion, type Exercise } from './exercise.js';

const CLIENT = 'c-br';
const POP = 'gru';
const TRANSIT = 't-us';

/** `show ip route <addr> json` → the routers its selected route's next hops belong to (pure). */
export function nextHopRouters(lab: Lab, routeJson: string): string[] {
  const parsed = JSON.parse(routeJson) as Record<string, { selected?: boolean; nexthops?: { ip?: string; active?: boolean }[] }[]>;
  const index = addressIndex(lab);
  const hops = Object.values(parsed)
    .flat()
    .filter((r) => r.selected)
    .flatMap((r) => r.nexthops ?? [])
    .filter((n) => n.active !== false && n.ip);
  return [...new Set(hops.map((n) => index.get(n.ip ?? '')?.node ?? n.ip ?? '?'))];
}

export const asymmetricPath: Exercise = {
  id: 'asymmetric-path',
  async check({ rt, lab, progress }) {
    const client = lab.clients.find((c) => c.name === CLIENT);
    const transitAsn = lab.routers.find((r) => r.name === TRANSIT)?.asn;
    if (!client || transitAsn === undefined) throw new Error(`this exercise needs ${CLIENT} and ${TRANSIT}: it runs on the default lab`);
    const [seen, found, route, there] = await Promise.all([
      askCatchment(rt, lab),
      readOverrides(rt, lab),
      vtysh(rt, containerName(lab.name, POP), `show ip route ${client.address} json`),
      traceFrom(rt, lab, CLIENT, undefined, progress),
    ]);
    // The way back, traced from the PoP after the way in (one traceroute at a time per node pair is plenty).
    const back = await traceFrom(rt, lab, POP, CLIENT, progress);
    const via = nextHopRouters(lab, route);
    const pops = new Set(anycastRouters(lab).map((r) => r.name));
    const foreign = found.policy.filter((o) => !pops.has(o.router)).map((o) => `${o.router} (${o.kind} towards ${o.neighbor}) is not the operator's router`);
    const criteria: Criterion[] = [
      criterion(`${CLIENT} is still answered by ${POP}`, catchmentProblems(seen, { [CLIENT]: POP }), `${CLIENT} → ${seen[CLIENT]}`),
      criterion(
        `the query goes in directly (no AS${transitAsn} ${TRANSIT} on ${CLIENT}'s trace)`,
        [
          ...(there.asPath.some((s) => s.asn === transitAsn) ? [`${CLIENT}'s queries cross ${TRANSIT}: ${there.asPathText}`] : []),
          ...(there.answeredBy && there.answeredBy !== POP ? [`${there.answeredBy} answered the trace, not ${POP}`] : []),
        ],
        there.asPathText,
      ),
      criterion(
        `the answer goes back through ${TRANSIT} (${POP}'s route to ${CLIENT} ${client.address})`,
        via.includes(TRANSIT) ? [] : [`${POP} forwards to ${CLIENT} via ${via.join(', ') || 'nothing'}; trace ${POP} → ${CLIENT}: ${back.asPathText}`],
        `${POP} forwards via ${via.join(', ')}; trace ${POP} → ${CLIENT}: ${back.asPathText}`,
      ),
      criterion(
        'only the operator’s routers (AS64500) changed',
        foreign,
        found.policy.length ? `policy changed only on ${[...new Set(found.policy.map((o) => o.router))].join(', ')}` : 'no policy overrides',
      ),
    ];
    return criteria;
  },
  async solve({ rt, lab, progress }) {
    // Every family the lab runs, as the hint's `policy gru t-us local-pref 300` (no --family) does.
    const reqs = policyFamilies(lab, undefined).map((f) => parsePolicyRequest(lab, POP, TRANSIT, 'local-pref', '300', f));
    const r = await applyPolicy(rt, lab, reqs, { progress });
    return [r.change];
  },
};
