import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientRouteCommands, creationOrder, planLab, ROUTER_SYSCTLS } from '../../src/lab/plan.js';
import { popAgentConfig } from '../../src/topology/roles/pop.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';
import { dualLab } from '../fixtures/render/dual-lab.js';
import { smallLab } from '../fixtures/render/small-lab.js';

// The plan of an [ipv4] lab, exactly as before dual-stack: the default read as [ipv4] (dual-stack plans: dual-stack.test.ts).
const lab = defaultIpv4Lab();
const plan = planLab(lab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' }, { fra: 'h1' });
const node = (n: string) => plan.nodes.find((p) => p.node === n)!;

describe('creationOrder', () => {
  it('creates routers that run only FRR, then those with agents (the PoPs), then the collector, then clients, each in the plan order', () => {
    expect(plan.nodes.map((n) => n.node).slice(0, 4)).toEqual(['fra', 'iad', 'nrt', 'gru']);
    expect(creationOrder(plan.nodes).map((n) => n.node)).toEqual([
      ...['t-eu', 't-us', 't-ap', 'eb-de', 'eb-us', 'eb-jp', 'eb-br'],
      ...['fra', 'iad', 'nrt', 'gru'],
      'collector',
      ...['c-de', 'c-us', 'c-jp', 'c-br'],
    ]);
  });
});

describe('planLab', () => {
  it('plans one internal network per link and per LAN, and the collector LAN, labelled', () => {
    expect(plan.networks).toHaveLength(lab.links.length + lab.lans.length + 1);
    expect(plan.networks.find((n) => n.name === 'al-default-collector-lan')).toMatchObject({
      subnet: '10.79.0.0/24',
      gateway: '10.79.0.1',
      labels: { 'anycast-lab.node': 'collector-lan', 'anycast-lab.kind': 'lan' },
    });
    expect(plan.networks.find((n) => n.name === 'al-default-fra--t-eu')).toMatchObject({
      subnet: '10.77.0.0/29',
      gateway: '10.77.0.1',
      labels: { 'anycast-lab.lab': 'default', 'anycast-lab.node': 'fra--t-eu', 'anycast-lab.kind': 'link' },
    });
  });

  it('gives routers three capabilities and ip_forward, attached by address on every link', () => {
    const gru = node('gru').spec;
    expect(gru.capAdd).toEqual(['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN']);
    expect(gru.sysctls?.['net.ipv4.ip_forward']).toBe('1');
    expect(gru.networks).toEqual([
      { network: 'al-default-gru--t-us', ipv4: '10.77.0.26' },
      { network: 'al-default-gru--eb-br', ipv4: '10.77.0.34' },
    ]);
    expect(gru.env).toMatchObject({ ROLE: 'pop', ANYCAST_ADDRS: '192.0.2.53/24 192.0.2.80/24' });
    expect(gru.binds).toContain('/cfg/default/gru:/etc/frr');
    expect(gru.labels['anycast-lab.role']).toBe('pop');
  });

  it("changes a node's config hash when its rendered config changes, and no other", () => {
    const again = planLab(lab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' }, { fra: 'h2' });
    const hash = (p: typeof plan, n: string) => p.nodes.find((x) => x.node === n)!.spec.labels['anycast-lab.config-hash'];
    expect(hash(again, 'fra')).not.toBe(hash(plan, 'fra'));
    expect(hash(again, 'iad')).toBe(hash(plan, 'iad'));
  });

  it('keeps clients unprivileged and sets their default route from a helper in their namespace', () => {
    const c = node('c-de');
    expect(c.spec.capAdd).toBeUndefined();
    expect(c.spec.networks).toEqual([{ network: 'al-default-lan-eb-de', ipv4: '10.78.0.10' }]);
    expect(c.routeHelper).toMatchObject({ networkMode: 'container:al-default-c-de', capAdd: ['NET_ADMIN'] });
    expect(c.routeHelper!.cmd!.join(' ')).toContain('ip route replace default via 10.78.0.2');
  });

  it("hands each PoP its identity and the lab's service settings", () => {
    const cfg = popAgentConfig(lab, lab.routers.find((r) => r.name === 'nrt')!);
    expect(cfg).toMatchObject({
      pop: 'nrt',
      colo: 'NRT',
      asn: 64500,
      prefix: '192.0.2.0/24',
      dnsAddress: '192.0.2.53',
      httpAddress: '192.0.2.80',
      streamPort: 7000,
      zone: 'lab.',
    });
    expect(cfg.records['anycast.lab.']).toBe('192.0.2.80');
    expect(cfg.health).toEqual({ interval: 200, failures: 3, holdDown: 2000 });
  });
});

describe('planLab, [ipv4] labs exactly as before dual-stack', () => {
  it('plans the default lab byte for byte as it did before (networks, containers, labels, hashes, sysctls, route helpers)', () => {
    // test/fixtures/plan/default-ipv4.json: the plan written by planLab as it was before IPv6 (commit f703b3d),
    // but for the frr-hash labels, which follow the rendered configs (one end of each session `passive`), and
    // the PoPs' tmpfs for their agents' every-second files (POP_LIVE_DIR), which joins their config-hash.
    const golden = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'plan', 'default-ipv4.json'), 'utf8'));
    const now = planLab(
      { ...lab, file: '/labs/default.yaml' },
      { router: 'anycast-lab/router:r1', client: 'anycast-lab/client:c1' },
      { configRoot: '/cfg', agentDir: '/agent' },
      { fra: 'h1', collector: 'h2' },
    );
    expect(JSON.parse(JSON.stringify(now))).toEqual(golden);
    expect(JSON.stringify(now)).not.toMatch(/"ipv6"|ip -6/);
    expect(node('fra').spec.sysctls?.['net.ipv6.conf.all.disable_ipv6']).toBe('1');
  });
});

describe('planLab, a dual-stack lab', () => {
  const dual = planLab(dualLab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' });
  const dnode = (n: string) => dual.nodes.find((p) => p.node === n)!;

  it('gives every link, LAN and the collector LAN its IPv6 /64 beside the IPv4 subnet', () => {
    expect(dual.networks).toHaveLength(dualLab.links.length + dualLab.lans.length + 1);
    for (const n of dual.networks) expect(n.ipv6?.subnet, n.name).toMatch(/^fd00:7[789]:.*\/64$/);
    expect(dual.networks.find((n) => n.name === 'al-dual-pop-fra--transit-a')).toMatchObject({
      subnet: '10.77.0.0/29',
      gateway: '10.77.0.1',
      ipv6: { subnet: 'fd00:77:0:0::/64', gateway: 'fd00:77:0:0::1' },
    });
    expect(dual.networks.find((n) => n.name === 'al-dual-lan-eyeball-de')?.ipv6).toEqual({ subnet: 'fd00:78:0:1::/64', gateway: 'fd00:78:0:1::1' });
    expect(dual.networks.find((n) => n.name === 'al-dual-collector-lan')?.ipv6).toEqual({ subnet: 'fd00:79::/64', gateway: 'fd00:79::1' });
  });

  it('attaches routers, the collector and clients at both addresses', () => {
    expect(dnode('eyeball-de').spec.networks).toEqual([
      { network: 'al-dual-transit-a--eyeball-de', ipv4: '10.77.0.27', ipv6: 'fd00:77:0:3::3' },
      { network: 'al-dual-transit-b--eyeball-de', ipv4: '10.77.0.35', ipv6: 'fd00:77:0:4::3' },
      { network: 'al-dual-pop-ams--eyeball-de', ipv4: '10.77.0.43', ipv6: 'fd00:77:0:5::3' },
      { network: 'al-dual-lan-eyeball-de', ipv4: '10.78.1.2', ipv6: 'fd00:78:0:1::2' },
    ]);
    expect(dnode('transit-a').spec.networks).toContainEqual({ network: 'al-dual-collector-lan', ipv4: '10.79.0.11', ipv6: 'fd00:79::11' });
    expect(dnode('collector').spec.networks).toEqual([{ network: 'al-dual-collector-lan', ipv4: '10.79.0.2', ipv6: 'fd00:79::2' }]);
    expect(dnode('client-de').spec.networks).toEqual([{ network: 'al-dual-lan-eyeball-de', ipv4: '10.78.1.10', ipv6: 'fd00:78:0:1::10' }]);
  });

  it('turns IPv6 and its forwarding on in routers, keeps their addresses across a link down (cut), and nothing else of their sysctls changes', () => {
    expect(dnode('pop-fra').spec.sysctls).toEqual({
      ...ROUTER_SYSCTLS,
      'net.ipv6.conf.all.disable_ipv6': '0',
      'net.ipv6.conf.default.disable_ipv6': '0',
      'net.ipv6.conf.all.forwarding': '1',
      'net.ipv6.conf.default.forwarding': '1',
      'net.ipv6.conf.all.keep_addr_on_down': '1',
      'net.ipv6.conf.default.keep_addr_on_down': '1',
      'net.ipv6.conf.all.accept_dad': '0',
      'net.ipv6.conf.default.accept_dad': '0',
      ...Object.fromEntries((dnode('pop-fra').spec.networks ?? []).map((_, i) => [`net.ipv6.conf.eth${i}.accept_dad`, '0'])),
    });
  });

  it("sets a client's IPv6 default route via its eyeball's LAN address, after the IPv4 one", () => {
    const cmd = dnode('client-de').routeHelper!.cmd!.join(' ');
    expect(cmd).toContain('ip route replace default via 10.78.1.2');
    expect(cmd).toContain('ip -6 route replace default via fd00:78:0:1::2');
    expect(clientRouteCommands(smallLab.clients[0])).not.toContain('ip -6');
  });

  it('recreates a router that turns dual-stack (its sysctls are in its hash) but not one of an [ipv4] lab', () => {
    const single = planLab(smallLab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' });
    const hash = (p: typeof dual, n: string) => p.nodes.find((x) => x.node === n)!.spec.labels['anycast-lab.config-hash'];
    expect(hash(dual, 'transit-a')).not.toBe(hash(single, 'transit-a'));
  });
});
