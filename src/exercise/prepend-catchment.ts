// Make c-us be answered by gru, touching only the operator's routers: BGP
// picks by AS-path length before geography, so prepending on iad's uplink
// makes t-us prefer gru (whose own path is prepended twice) over iad.
import { readOverrides } from '../lab/overrides.js';
import { parsePolicyRequest, policyFamilies } from '../lab/policy-overrides.js';
import { applyPolicy } from '../policy/live-policy.js';
import { askCatchment } from '../probe/ask-clients.js';
import { anycastRouters } from '../topology/roles/registry.js';
import { catchmentProblems } from './catchment-check.js';
import { criterion, type Exercise } from './exercise.js';

const CLIENT = 'c-us';
const WANT = 'gru';

export const prependCatchment: Exercise = {
  id: 'prepend-catchment',
  async check({ rt, lab }) {
    const [seen, found] = await Promise.all([askCatchment(rt, lab), readOverrides(rt, lab)]);
    const others = Object.fromEntries(lab.clients.filter((c) => c.name !== CLIENT && c.expect).map((c) => [c.name, c.expect?.pop ?? '']));
    const pops = new Set(anycastRouters(lab).map((r) => r.name));
    const foreign = found.policy.filter((o) => !pops.has(o.router)).map((o) => `${o.router} (${o.kind} towards ${o.neighbor}) is not the operator's router`);
    return [
      criterion(`${CLIENT} is answered by ${WANT}`, catchmentProblems(seen, { [CLIENT]: WANT }), `${CLIENT} is answered by ${WANT}`),
      criterion(
        'every other client keeps its PoP',
        catchmentProblems(seen, others),
        Object.keys(others)
          .map((c) => `${c} → ${seen[c]}`)
          .join(', '),
      ),
      criterion(
        'only the operator’s routers (AS64500) changed',
        foreign,
        found.policy.length ? `policy changed only on ${[...new Set(found.policy.map((o) => o.router))].join(', ')}` : 'no policy overrides',
      ),
      criterion(
        'every PoP still announces (policy, not a drain)',
        found.drained.map((p) => `${p} is drained: the exercise asks for routing policy, not for taking a PoP out of service`),
        'no PoP drained',
      ),
    ];
  },
  async solve({ rt, lab, progress }) {
    // Every family the lab runs, as the hint's `policy iad t-us prepend 3` (no --family) does.
    const reqs = policyFamilies(lab, undefined).map((f) => parsePolicyRequest(lab, 'iad', 't-us', 'prepend', '3', f));
    const r = await applyPolicy(rt, lab, reqs, { progress });
    return [r.change];
  },
};
