// Which prefixes each router can learn, and from whom, as the rendered
// policy lets them travel: a router originates what its role announces (a
// PoP the anycast prefix, an eyeball its LANs), sends a neighbour what its
// role sends that neighbour (RoleSpec.render.sends, the OUT- prefix-lists),
// the neighbour keeps what its role accepts (IN-), and BGP drops a path that
// holds the receiver's own AS (RFC 4271 §9.1.2). Pure. `up` waits on each
// router for what reaches it, not for every prefix its role could carry, and
// validation refuses a client whose expected PoP cannot reach it at all.
import { anycastPrefixes, lansOf6 } from './families.js';
import { type Client, type Lab, lansOf, type Router, sessionsOf } from './model.js';
import { roleSpec } from './roles/registry.js';

/** router → prefix → routers it can originate from (PoPs for the anycast prefix, eyeballs for their LANs). */
export type Reach = Map<string, Map<string, Set<string>>>;

interface Route {
  prefix: string;
  origin: string;
  /** ASes the route has crossed, origin first. */
  path: number[];
}

const memo = new WeakMap<Lab, Reach>();

export function reachability(lab: Lab): Reach {
  const known = memo.get(lab);
  if (known) return known;
  const byName = new Map(lab.routers.map((r) => [r.name, r]));
  const reach: Reach = new Map(lab.routers.map((r) => [r.name, new Map()]));
  const queue: { at: Router; route: Route }[] = [];
  const learn = (at: Router, route: Route) => {
    const prefixes = reach.get(at.name)!;
    const origins = prefixes.get(route.prefix) ?? new Set<string>();
    if (origins.has(route.origin)) return;
    prefixes.set(route.prefix, origins.add(route.origin));
    queue.push({ at, route });
  };
  for (const r of lab.routers) for (const prefix of originated(lab, r)) learn(r, { prefix, origin: r.name, path: [r.asn] });
  // Breadth first: each (router, prefix, origin) is passed on once, by its shortest path.
  while (queue.length) {
    const { at, route } = queue.shift()!;
    for (const { remote } of sessionsOf(lab, at.name)) {
      const peer = byName.get(remote.node);
      if (!peer || route.path.includes(peer.asn)) continue;
      const accepts = roleSpec(peer.role).render.accepts(lab, peer);
      const sends = roleSpec(at.role).render.sends(lab, at, accepts);
      // The OUT- and IN- lists say it all: a PoP sends only the anycast
      // prefix it never accepts, an eyeball only the LANs it never accepts,
      // so neither passes on what it learned; a transit carries both.
      if (!sends.includes(route.prefix) || !accepts.includes(route.prefix)) continue;
      learn(peer, { ...route, path: [...route.path, peer.asn] });
    }
  }
  memo.set(lab, reach);
  return reach;
}

/** What a router announces itself: the anycast prefix of a PoP, the LANs of an eyeball; in a dual-stack lab both families' (anycastPrefixes, lansOf6). */
function originated(lab: Lab, r: Router): string[] {
  const t = roleSpec(r.role).topology;
  return [...(t.servesAnycast ? anycastPrefixes(lab) : []), ...(t.hostsClients ? [...lansOf(lab, r.name), ...lansOf6(lab, r.name)] : [])];
}

/**
 * The routes `up` waits for on a router: what its role needs
 * (RoleSpec.converge.routes) that can reach it at all. A PoP that peers with
 * one eyeball only ever hears that eyeball's LAN.
 */
export function expectedRoutes(lab: Lab, router: string, reach: Reach = reachability(lab)): string[] {
  const self = lab.routers.find((r) => r.name === router);
  if (!self) return [];
  const heard = reach.get(router) ?? new Map();
  return roleSpec(self.role)
    .converge.routes(lab, self)
    .filter((p) => heard.has(p));
}

/**
 * Pure: clients whose expected PoP (expect.pop, expect.backup; in a
 * dual-stack lab expect6 too) cannot answer them whatever the others do: its
 * anycast route never reaches the client's eyeball, or the client's LAN never
 * reaches the PoP.
 */
export function unreachableExpectations(
  lab: Lab,
  reach: Reach = reachability(lab),
): { client: string; expect: 'expect' | 'expect6'; field: 'pop' | 'backup'; pop: string; why: string }[] {
  const out: { client: string; expect: 'expect' | 'expect6'; field: 'pop' | 'backup'; pop: string; why: string }[] = [];
  for (const c of lab.clients) {
    const checks: { expect: 'expect' | 'expect6'; want: Client['expect']; prefix: string; lan: string }[] = [
      { expect: 'expect', want: c.expect, prefix: lab.anycast.prefix, lan: c.lan },
    ];
    const v6 = lab.anycast.ipv6;
    const lan6 = lab.lans.find((l) => l.subnet === c.lan)?.ipv6?.subnet;
    if (v6 && lan6 && c.expect6) checks.push({ expect: 'expect6', want: c.expect6, prefix: v6.prefix, lan: lan6 });
    for (const { expect, want, prefix, lan } of checks) {
      for (const field of ['pop', 'backup'] as const) {
        const pop = want?.[field];
        if (!pop) continue;
        const there = reach.get(c.eyeball)?.get(prefix)?.has(pop);
        const back = reach.get(pop)?.get(lan)?.has(c.eyeball);
        if (there && back) continue;
        out.push({
          client: c.name,
          expect,
          field,
          pop,
          why: !there
            ? `no path carries ${pop}'s ${prefix} to ${c.eyeball} (PoPs and eyeballs pass on nothing they learn: only transits carry routes further)`
            : `no path carries ${c.name}'s LAN ${lan} from ${c.eyeball} to ${pop}`,
        });
      }
    }
  }
  return out;
}
