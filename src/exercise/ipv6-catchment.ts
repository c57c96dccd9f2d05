// "Why does c-jp reach a different PoP over IPv6?" on the dual-stack lab: its
// IPv4 lands on nrt, its IPv6 on fra, because t-ap's IPv6 session from t-eu
// sets local-pref 250 (over the 200 of its customer nrt) where its IPv4 twin
// sets 100. Nothing is injected: labs/dual-stack.yaml ships that policy, the
// way a real IPv6 peering drifts from its IPv4 one. The fix is per family: the
// IPv6 session's route-map (`policy … --family ipv6`), IPv4 left as it is.
import { POP_PATHS } from '../contract/agent.js';
import { readOverrides } from '../lab/overrides.js';
import { describeOverride, parsePolicyRequest } from '../lab/policy-overrides.js';
import { applyPolicy } from '../policy/live-policy.js';
import { askCatchment, expectedPop } from '../probe/ask-clients.js';
import { familyKey } from '../probe/who.js';
import { containerName } from '../runtime/labels.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import type { Family, Lab } from '../topology/model.js';
import { anycastRouters } from '../topology/roles/registry.js';
import { catchmentProblems } from './catchment-check.js';
import { criterion, type Exercise } from './exercise.js';

const CLIENT = 'c-jp';
const WANT = 'nrt';
const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

/** Each PoP's own word on what it announces, per family (its health file): a break or a drain shows here. */
async function announceProblems(rt: ContainerRuntime, lab: Lab): Promise<string[]> {
  const per = await Promise.all(
    anycastRouters(lab).map(async (pop) => {
      const r = await rt.exec(containerName(lab.name, pop.name), ['cat', POP_PATHS.health], { timeoutMs: 10_000 }).catch((e: Error) => ({
        exitCode: -1,
        stdout: '',
        stderr: e.message,
      }));
      let h: { state?: string; drained?: boolean; ipv6?: { state?: string } } | null = null;
      try {
        h = r.exitCode === 0 ? JSON.parse(r.stdout) : null;
      } catch {
        h = null;
      }
      if (!h) return [`${pop.name}: no health state (${(r.stderr || r.stdout).trim().split('\n')[0] || `exit ${r.exitCode}`})`];
      return [
        ...(h.drained ? [`${pop.name} is drained`] : []),
        ...(h.state !== 'announced' ? [`${pop.name} withdrew ${lab.anycast.prefix}`] : []),
        ...(lab.anycast.ipv6 && h.ipv6?.state !== 'announced' ? [`${pop.name} withdrew ${lab.anycast.ipv6.prefix}`] : []),
      ];
    }),
  );
  return per.flat();
}

export const ipv6Catchment: Exercise = {
  id: 'ipv6-catchment',
  async check({ rt, lab }) {
    const [seen, found, pops] = await Promise.all([askCatchment(rt, lab, FAMILIES), readOverrides(rt, lab), announceProblems(rt, lab)]);
    // Every other answer stays where the lab file puts it; c-jp's IPv6 joins its IPv4 on nrt.
    const keep = Object.fromEntries(
      lab.clients.flatMap((c) =>
        FAMILIES.flatMap((f) => {
          const key = familyKey(c.name, f);
          const pop = c.name === CLIENT && f === 'ipv6' ? null : expectedPop(c, f);
          return pop ? [[key, pop] as const] : [];
        }),
      ),
    );
    const v4 = found.policy.filter((o) => o.family !== 'ipv6');
    return [
      criterion(
        `${CLIENT}'s IPv6 is answered by ${WANT}, like its IPv4`,
        catchmentProblems(seen, { [familyKey(CLIENT, 'ipv6')]: WANT }),
        `${familyKey(CLIENT, 'ipv6')} → ${WANT}`,
      ),
      criterion(
        'every other answer keeps its PoP, both families',
        catchmentProblems(seen, keep),
        Object.keys(keep)
          .map((k) => `${k} → ${seen[k]}`)
          .join(', '),
      ),
      criterion(
        'IPv4 policy untouched (the fix is on the IPv6 session)',
        v4.map((o) => `${describeOverride(o)}: IPv4 was never the problem (undo: npm run lab -- policy ${o.router} ${o.neighbor} reset --family ipv4)`),
        found.policy.length ? `IPv6 only: ${found.policy.map(describeOverride).join('; ')}` : 'no policy overrides',
      ),
      criterion(
        'every PoP announces both prefixes (policy, not a drain or a break)',
        pops,
        `${anycastRouters(lab)
          .map((r) => r.name)
          .join(', ')} announce both prefixes`,
      ),
    ];
  },
  async solve({ rt, lab, progress }) {
    const req = parsePolicyRequest(lab, 't-ap', 't-eu', 'local-pref', '100', 'ipv6');
    const r = await applyPolicy(rt, lab, req, { progress });
    return [r.change];
  },
};
