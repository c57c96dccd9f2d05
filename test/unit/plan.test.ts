import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planLab } from '../../src/lab/plan.js';
import { loadLabFile } from '../../src/topology/load.js';
import { popAgentConfig } from '../../src/topology/roles/pop.js';

const lab = loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'default.yaml'));
const plan = planLab(lab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' }, { fra: 'h1' });
const node = (n: string) => plan.nodes.find((p) => p.node === n)!;

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
