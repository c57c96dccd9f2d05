// An anycast PoP: announces the anycast prefix, answers DNS and HTTP on it,
// and withdraws it when its own health checker says the service is down.
import { basename } from 'node:path';
import { z } from 'zod';
import { AGENT_DIR, DRAIN_MARKER_TEST, isDrained, POP_PATHS, type PopAgentConfig } from '../../agent/contract.js';
import { allLansBoth, anycastPrefixes, familyOf } from '../families.js';
import type { Lab, Router } from '../model.js';
import { BGP_WITH_BFD } from './frr-daemons.js';
import type { RoleSpec } from './role-spec.js';

const routerFields = {
  colo: z
    .string()
    .regex(/^[A-Z0-9]{2,6}$/, { error: 'expected a short upper-case code such as FRA' })
    .optional(),
};
const RouterFields = z.object(routerFields);

/** What the PoP's agents read from /etc/anycast-lab/pop.json. */
export function popAgentConfig(lab: Lab, pop: Router): PopAgentConfig {
  return {
    pop: pop.name,
    colo: pop.colo ?? pop.name.toUpperCase(),
    asn: pop.asn,
    prefix: lab.anycast.prefix,
    dnsAddress: lab.anycast.dnsAddress,
    httpAddress: lab.anycast.httpAddress,
    httpPort: 80,
    streamPort: lab.anycast.streamPort,
    zone: lab.anycast.zone,
    records: lab.anycast.records,
    nameservers: lab.anycast.nameservers,
    soa: lab.anycast.soa,
    health: { ...lab.health },
    tcp: { idleTimeoutMs: 10_000, maxConnections: 1000 },
    ...(lab.anycast.ipv6 ? { ipv6: popAgentConfig6(lab.anycast.ipv6) } : {}),
  };
}

/** Dual-stack labs: the /48, its service addresses and the AAAA records, as the responder and the health checker read them. */
const popAgentConfig6 = (a: NonNullable<Lab['anycast']['ipv6']>): NonNullable<PopAgentConfig['ipv6']> => ({
  prefix: a.prefix,
  dnsAddress: a.dnsAddress,
  httpAddress: a.httpAddress,
  records: a.records,
});

/**
 * Anycast addresses sit on their own interface with the prefix length of the
 * announced prefix: the connected /24 satisfies `bgp network import-check`,
 * and taking the interface down withdraws the announcement.
 */
const anycastAddrs = (lab: Lab): string[] => {
  const prefixLen = lab.anycast.prefix.split('/')[1];
  const v6 = lab.anycast.ipv6;
  // A dual-stack PoP holds the /48's service addresses too: their connected /48 is what `network 2001:db8::/48` announces.
  const addrs6 = v6 ? [v6.dnsAddress, v6.httpAddress].map((a) => `${a}/${v6.prefix.split('/')[1]}`) : [];
  return [...[lab.anycast.dnsAddress, lab.anycast.httpAddress].map((a) => `${a}/${prefixLen}`), ...addrs6];
};

const parseOr = (s: string, fallback: unknown): unknown => {
  try {
    return s.trim() ? JSON.parse(s) : fallback;
  } catch {
    return fallback;
  }
};

export const pop = {
  name: 'pop',
  title: { a: 'a PoP', one: 'PoP', many: 'PoPs' },
  topology: {
    routerFields,
    router: (raw) => ({ colo: RouterFields.parse(raw).colo ?? raw.name.toUpperCase().slice(0, 6) }),
    // PoPs of one operator share an ASN and never peer with each other.
    sharesAs: true,
    noSameRoleLink: 'PoPs connect to transits or eyeballs',
    required: 'to announce the anycast prefix',
    buysTransit: true,
    prefersCustomers: false,
    hostsClients: false,
    servesAnycast: true,
  },
  render: {
    describe: (router) => `anycast PoP${router.colo ? ` ${router.colo}` : ''}`,
    policySummary: 'A PoP sends only the anycast prefix and never passes on what it learns.',
    // Not the anycast prefix: a PoP learning it from another PoP would blur
    // catchment when its own announcement is withdrawn.
    accepts: (lab) => allLansBoth(lab),
    sends: (lab) => anycastPrefixes(lab),
    networkLines: (lab, _self, family = 'ipv4') =>
      family === 'ipv4'
        ? [
            '  ! Announced only while the /24 route exists (import-check stays on); it comes',
            '  ! from interface anycast0, so removing that address or link withdraws it.',
            `  network ${lab.anycast.prefix}`,
          ]
        : lab.anycast.ipv6
          ? [
              '  ! The /48 likewise: announced while anycast0 holds its addresses, withdrawn',
              '  ! on its own when the IPv6 service fails (the health checker, per family).',
              `  network ${lab.anycast.ipv6.prefix}`,
            ]
          : [],
    daemons: BGP_WITH_BFD,
  },
  converge: {
    // Every client LAN (both families'), so answers find their way back.
    routes: (lab) => allLansBoth(lab),
    // The announcements belong to the health checker: it withdraws them on purpose, each family's on its own.
    runtimeOwned: (lab) =>
      anycastPrefixes(lab).map((prefix) => {
        const p = prefix.replace(/[./]/g, (c) => `\\${c}`);
        return new RegExp(`^router bgp \\d+ > address-family ${familyOf(prefix)} unicast > network ${p}$`);
      }),
  },
  container: {
    // For people and tools reading the container's environment; setup writes the addresses out.
    env: (lab) => ({ ANYCAST_ADDRS: anycastAddrs(lab).join(' ') }),
    // This kernel has no `dummy` link type; a bridge with no ports stays UP
    // with carrier and holds the anycast addresses just as well.
    setup: (lab) =>
      [
        'ip link show anycast0 >/dev/null 2>&1 || ip link add anycast0 type bridge',
        // nodad: duplicate address detection on a bridge with no ports would hold an IPv6 address tentative, unusable.
        ...anycastAddrs(lab).map((a) => `ip addr replace ${a} dev anycast0${a.includes(':') ? ' nodad' : ''}`),
        'ip link set anycast0 up',
      ].join('\n'),
    // Started with FRR, not after it, so the responder is listening by the
    // time routes converge. The health checker touches BGP only once
    // frr-start.sh has written the ready marker (a `router bgp` before the
    // config would create a bare BGP instance). Separate processes: SIGSTOP on
    // the responder must not stop the checker that withdraws the route when
    // the responder dies.
    services: () =>
      [
        'log "starting responder and health checker"',
        `nohup /usr/local/bin/node ${AGENT_DIR}/pop-responder.mjs ${POP_PATHS.config} >>/var/log/anycast-lab/responder.log 2>&1 &`,
        `nohup /usr/local/bin/node ${AGENT_DIR}/pop-health.mjs ${POP_PATHS.config} >>/var/log/anycast-lab/health.out 2>&1 &`,
      ].join('\n'),
    agentFiles: (lab, self) => ({ [basename(POP_PATHS.config)]: `${JSON.stringify(popAgentConfig(lab, self), null, 2)}\n` }),
  },
  status: {
    script: `cat ${POP_PATHS.health} 2>/dev/null; echo; echo @@; cat ${POP_PATHS.stats} 2>/dev/null; echo; echo @@; ${DRAIN_MARKER_TEST}`,
    read: (stdout) => {
      const [health = '', stats = '', drain = ''] = stdout.split('@@');
      // As the agents wrote them: health checker state and responder counters;
      // `drained` from the operator's marker itself (`lab withdraw <pop>`).
      return { announce: parseOr(health, null), queries: parseOr(stats, null), drained: isDrained(drain) };
    },
    summary: (f) => {
      const words: string[] = [];
      // Dual-stack PoPs: the IPv4 state at the top, the IPv6 one under `ipv6` (health-families.ts).
      const ann = f.announce as { state?: string; ipv6?: { state?: string } } | null | undefined;
      if (ann?.ipv6?.state) words.push(`anycast ipv4 ${ann.state ?? '?'} ipv6 ${ann.ipv6.state}`);
      else if (ann?.state) words.push(`anycast ${ann.state}`);
      if (f.drained === true) words.push('DRAINED (npm run lab -- announce to undo)');
      const q = f.queries as
        | { udp?: { queries?: number }; tcp?: { queries?: number }; families?: Record<string, { udpQueries?: number; tcpQueries?: number }> }
        | null
        | undefined;
      // Dual-stack responders count each family too (stats.ts): one pair per family, as the catchments differ.
      if (q?.families)
        words.push(
          `queries ${Object.entries(q.families)
            .map(([family, c]) => `${family} udp=${c.udpQueries ?? 0} tcp=${c.tcpQueries ?? 0}`)
            .join(' ')}`,
        );
      else if (q?.udp || q?.tcp) words.push(`queries udp=${q.udp?.queries ?? 0} tcp=${q.tcp?.queries ?? 0}`);
      return words;
    },
  },
} satisfies RoleSpec<'pop'>;
