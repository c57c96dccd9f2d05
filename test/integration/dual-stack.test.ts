// Issue #24, dual-stack: labs/dual-stack.yaml (lab `dual`, the default lab
// with families [ipv4, ipv6]) brought up once, as a user does, and read back
// from FRR, the clients and the host's firewall. Each family on its own:
// every link's IPv4 and IPv6 session Established with BFD up, each eyeball's
// /24 and /48 from the PoP its clients expect (expect6 where the lab file
// says IPv6 lands elsewhere), clients with both default routes, and no IPv6
// packet from the lab reaching the host. More cases (the responder over IPv6,
// probes and failover per family) are appended by their owners.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UpResult } from '../../src/lab/up.js';
import { loadLabFile } from '../../src/topology/load.js';
import { type ExecJson, lab, labelled, labJson, REPO, type VtyshBfdPeer, vtyshJson } from './cli.js';

const FILE = resolve(REPO, 'labs/dual-stack.yaml');
const DUAL = loadLabFile(FILE);
const L = DUAL.name;
const ROUTERS = DUAL.routers.map((r) => r.name);
const EYEBALLS = DUAL.routers.filter((r) => r.role === 'eyeball').map((r) => r.name);

interface Summary {
  ipv4Unicast?: { peers: Record<string, { state: string }> };
  ipv6Unicast?: { peers: Record<string, { state: string }> };
}
interface Paths {
  paths?: { aspath: { string: string }; bestpath?: { overall?: boolean } }[];
}

/** This lab's rules in our ip6tables chains (the test runs where dockerd runs, as root). */
function hostRules6(labName: string): string[] {
  for (const ipt of ['ip6tables-nft', 'ip6tables-legacy']) {
    try {
      return ['ANYCAST-LAB', 'ANYCAST-LAB-IN'].flatMap((chain) => {
        try {
          return execFileSync(ipt, ['-S', chain], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
            .split('\n')
            .filter((l) => l.includes(`anycast-lab:${labName}"`) || l.endsWith(`anycast-lab:${labName}`));
        } catch {
          return []; // no such chain: no rules
        }
      });
    } catch {
      // that backend is not installed; try the next
    }
  }
  return [];
}

/** The host's own global IPv6 addresses (none of them a lab bridge's), from /proc/net/if_inet6: address, index, length, scope (00 = global), flags, device. */
function hostAddresses6(): string[] {
  return readFileSync('/proc/net/if_inet6', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length === 6 && f[3] === '00' && !/^br-[0-9a-f]{12}$/.test(f[5]))
    .map((f) => f[0].match(/.{4}/g)!.join(':'));
}

/** `lab exec --json` in a node of this lab; a command that fails (ping with no answer) is a result, not an error. */
async function execIn(node: string, ...cmd: string[]): Promise<ExecJson> {
  const r = await lab(['exec', '--json', '--lab', L, node, '--', ...cmd]);
  expect(r.stdout, `lab exec in ${node} printed no result: ${r.stderr.slice(-1000)}`).toMatch(/^\{/);
  return JSON.parse(r.stdout) as ExecJson;
}

/**
 * The PoP a best path comes from, read from its AS path: every PoP shares one
 * ASN, so it is the PoP behind the AS before the origin (a transit), told
 * apart from another PoP behind that transit by the prepends its end of the
 * link adds for this family; no AS before the origin is the PoP the eyeball
 * peers with directly.
 */
function popOfPath(eyeball: string, asPath: string, family: 'ipv4' | 'ipv6'): string | undefined {
  const tokens = asPath.split(' ').filter(Boolean).map(Number);
  const origin = tokens.at(-1);
  let k = 0;
  while (tokens.length && tokens.at(-1) === origin) {
    tokens.pop();
    k++;
  }
  const pops = DUAL.routers.filter((r) => r.role === 'pop').map((r) => r.name);
  const before = tokens.length ? DUAL.routers.find((r) => r.asn === tokens.at(-1))!.name : eyeball;
  const candidates = DUAL.links.flatMap((l) => {
    const [pop, other] = pops.includes(l.a.node) ? [l.a, l.b] : [l.b, l.a];
    if (!pops.includes(pop.node) || other.node !== before) return [];
    const prepend = family === 'ipv6' ? (pop.ipv6?.prepend ?? pop.prepend) : pop.prepend;
    return k === 1 + prepend ? [pop.node] : [];
  });
  return candidates.length === 1 ? candidates[0] : undefined;
}

let up: UpResult;

beforeAll(async () => {
  await lab(['down', FILE]);
  up = await labJson<UpResult>(['up', FILE, '--timeout', '150'], 240_000);
}, 300_000);

afterAll(async () => {
  await labJson(['down', FILE]);
  const { containers, networks } = await labelled(L);
  expect(containers.map((c) => c.Names[0])).toEqual([]);
  expect(networks.map((n) => n.Name)).toEqual([]);
  expect(hostRules6(L)).toEqual([]);
}, 180_000);

describe('dual-stack lab: up waits for both families', () => {
  it('comes up with every network dual-stack and every phase reached', async () => {
    expect(up.lab).toBe(L);
    expect(up.created.networks).toHaveLength(DUAL.links.length + DUAL.lans.length + 1);
    expect(up.phases.routesInstalled).toBeGreaterThan(0);
    const { networks } = await labelled(L);
    for (const n of networks) expect(n.EnableIPv6, n.Name).toBe(true);
    for (const n of networks) expect(n.Internal, n.Name).toBe(true);
  });

  it("every router's IPv4 and IPv6 sessions are Established, and BFD is up on both", async () => {
    for (const router of ROUTERS) {
      const bgp = await vtyshJson<Summary>(router, 'show bgp summary', L);
      const bfd = await vtyshJson<VtyshBfdPeer[]>(router, 'show bfd peers', L);
      for (const link of DUAL.links.filter((l) => l.a.node === router || l.b.node === router)) {
        const remote = link.a.node === router ? link.b : link.a;
        const v6 = remote.ipv6!.address;
        expect(bgp.ipv4Unicast?.peers[remote.address]?.state, `${router} -> ${remote.node} ${remote.address}`).toBe('Established');
        expect(bgp.ipv6Unicast?.peers[v6]?.state, `${router} -> ${remote.node} ${v6}`).toBe('Established');
        if (!link.bfd.enabled) continue;
        for (const addr of [remote.address, v6]) expect(bfd.find((p) => p.peer === addr)?.status, `${router} BFD ${remote.node} ${addr}`).toBe('up');
      }
    }
  });

  it("puts the /48 and the /24 in every eyeball's RIB from the PoP its clients expect, per family", async () => {
    const v6 = DUAL.anycast.ipv6!;
    for (const eyeball of EYEBALLS) {
      const client = DUAL.clients.find((c) => c.eyeball === eyeball)!;
      for (const [family, prefix, pop] of [
        ['ipv4', DUAL.anycast.prefix, client.expect!.pop],
        ['ipv6', v6.prefix, (client.expect6 ?? client.expect)!.pop],
      ] as const) {
        const paths = await vtyshJson<Paths>(eyeball, `show bgp ${family} unicast ${prefix}`, L);
        const best = paths.paths?.find((p) => p.bestpath?.overall);
        expect(best, `${eyeball}: no best path to ${prefix}`).toBeDefined();
        expect(popOfPath(eyeball, best!.aspath.string, family), `${eyeball} ${prefix}: best path ${best!.aspath.string}, expected from ${pop}`).toBe(pop);
      }
      const rib = await vtyshJson<Record<string, { selected?: boolean; installed?: boolean }[]>>(eyeball, `show ipv6 route ${v6.prefix}`, L);
      expect(
        rib[v6.prefix]?.some((r) => r.selected && r.installed),
        `${eyeball}: ${v6.prefix} installed`,
      ).toBe(true);
    }
  });

  it("gives each client an IPv6 default route via its eyeball's LAN address, and the /48 answers over it", async () => {
    for (const c of DUAL.clients) {
      const route = await execIn(c.name, 'ip', '-6', 'route', 'show', 'default');
      expect(route.stdout, c.name).toContain(`default via ${c.ipv6!.gateway} `);
      const ping = await execIn(c.name, 'ping', '-6', '-c', '2', '-W', '1', DUAL.anycast.ipv6!.dnsAddress);
      expect(ping.stdout, `${c.name} -> ${DUAL.anycast.ipv6!.dnsAddress}`).toMatch(/2 packets transmitted, 2 received/);
    }
  });
});

describe('dual-stack lab: status, lg and the collector show both families', () => {
  it("`status` lists each router's IPv6 sessions, marked, beside the IPv4 ones, and their BFD peers", async () => {
    const st = await labJson<{ nodes: { node: string; bgp?: { peer: string; family?: string; state: string }[]; bfd?: { peer: string; status: string }[] }[] }>(
      ['status', L],
    );
    const teu = st.nodes.find((n) => n.node === 't-eu')!;
    const v6 = teu.bgp!.filter((p) => p.family === 'ipv6');
    const v4 = teu.bgp!.filter((p) => p.family === undefined);
    expect(v6.length).toBe(v4.length);
    for (const p of v6) expect(p.state, p.peer).toBe('Established');
    expect(teu.bfd!.filter((p) => p.peer.includes(':')).every((p) => p.status === 'up')).toBe(true);
  });

  it("`lg <router>` shows the /48's paths after the /24's", async () => {
    const lg = await labJson<{ command: string; command6?: string; output6?: { paths?: unknown[] } }>(['lg', '--lab', L, 'eb-jp']);
    expect(lg.command6).toBe(`show bgp ipv6 unicast ${DUAL.anycast.ipv6!.prefix}`);
    expect(lg.output6?.paths?.length).toBeGreaterThan(0);
  });

  it("the collector's recorder logs the /48's updates from every transit, by name", async () => {
    const transits = DUAL.routers.filter((r) => r.role === 'transit').map((r) => r.name);
    const { events } = await labJson<{ events: { from: string; prefix: string }[] }>(['collector', '--lab', L, '--prefix', DUAL.anycast.ipv6!.prefix]);
    expect([...new Set(events.map((e) => e.from))].sort()).toEqual([...transits].sort());
  });

  it("the collector hears the /48 from every transit, as each transit's FRR has it", async () => {
    const lg = await labJson<{ paths: { from: string; prefix: string }[]; checks: { transit: string; agree: boolean }[] }>([
      'lg',
      '--lab',
      L,
      'collector',
      DUAL.anycast.ipv6!.prefix,
    ]);
    const transits = DUAL.routers.filter((r) => r.role === 'transit').map((r) => r.name);
    expect([...new Set(lg.paths.map((p) => p.from))].sort()).toEqual([...transits].sort());
    for (const c of lg.checks) expect(c.agree, c.transit).toBe(true);
  });
});

describe('dual-stack lab: host safety over IPv6', () => {
  it('writes the ip6tables twin of the DOCKER-USER rules for every lab bridge (they go with `down`, see afterAll)', async () => {
    const { networks } = await labelled(L);
    const rules = hostRules6(L);
    for (const n of networks) {
      const br = `br-${n.Id.slice(0, 12)}`;
      expect(rules.filter((r) => r.includes(` ${br} `)).length, br).toBe(4);
    }
  });

  it("no IPv6 packet from a client reaches the host's own addresses", async () => {
    const own = DUAL.clients[0];
    const gw = await execIn(own.name, 'ping', '-6', '-c', '2', '-W', '1', own.ipv6!.gateway);
    expect(gw.stdout, `${own.name} cannot ping its own eyeball over IPv6`).toMatch(/2 packets transmitted, 2 received/);
    const host = hostAddresses6();
    // Docker's bridge address on the client's own LAN: the host, seen from inside the lab.
    const bridge = DUAL.lans.find((l) => l.eyeball === own.eyeball)!.ipv6!.gateway;
    for (const addr of [...host, bridge]) {
      const r = await execIn(own.name, 'ping', '-6', '-c', '2', '-W', '1', addr);
      expect(r.stdout, `${own.name} reached the host at ${addr}`).toMatch(/2 packets transmitted, 0 received/);
    }
  });
});
