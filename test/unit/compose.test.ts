import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderCompose } from '../../src/lab/compose.js';
import { loadLabFile } from '../../src/topology/load.js';
import { defaultIpv4Lab } from '../fixtures/labs/default-ipv4.js';

const REPO = join(import.meta.dirname, '..', '..');
const lab = loadLabFile(join(REPO, 'labs', 'default.yaml'));
const ipv4Lab = defaultIpv4Lab();

/** The parts of docker-compose.yml these tests read. */
interface ComposeFile {
  networks: Record<string, { internal?: boolean; ipam: { config: { subnet: string }[] }; labels: Record<string, string>; driver_opts: Record<string, string> }>;
  services: Record<string, { privileged?: boolean; cap_add?: string[]; labels: Record<string, string>; command: string[] }>;
}

describe('docker-compose.yml', () => {
  it('is what `npm run lab -- compose` generates from labs/default.yaml (regenerate when this fails)', () => {
    expect(readFileSync(join(REPO, 'docker-compose.yml'), 'utf8')).toBe(renderCompose(lab));
  });

  const doc = parse(renderCompose(lab)) as ComposeFile;

  it('declares every network internal with an explicit subnet and lab labels', () => {
    const nets = Object.values(doc.networks);
    expect(nets).toHaveLength(16);
    for (const n of nets) {
      expect(n.internal).toBe(true);
      expect(n.ipam.config[0].subnet).toMatch(/^10\.7[789]\./);
      expect((n as { enable_ipv6?: boolean }).enable_ipv6).toBe(true);
      expect(n.ipam.config[1].subnet).toMatch(/^fd00:7[78]:.*\/64$/);
      expect(n.labels['anycast-lab.lab']).toBe('default');
      expect(n.driver_opts['com.docker.network.bridge.name'].length).toBeLessThanOrEqual(15);
    }
  });

  it('gives routers the three capabilities and never privileged; clients none', () => {
    for (const [name, s] of Object.entries(doc.services)) {
      expect(s.privileged, name).toBeUndefined();
      if (s.labels['anycast-lab.kind'] === 'router') expect(s.cap_add).toEqual(['NET_ADMIN', 'NET_RAW', 'SYS_ADMIN']);
      if (s.labels['anycast-lab.kind'] === 'client') expect(s.cap_add).toBeUndefined();
    }
    expect(Object.keys(doc.services)).toEqual(expect.arrayContaining(['fra', 'iad', 'nrt', 'gru', 't-eu', 'c-de', 'c-de-routes', 'host-firewall']));
  });

  it('escapes shell variables so Compose does not interpolate them', () => {
    const script: string = doc.services['host-firewall'].command[2];
    expect(script).toContain('$$IPT');
    expect(script).not.toMatch(/[^$]\$IPT/);
  });
});

describe('docker-compose.yml of a dual-stack lab', () => {
  const dual = parse(renderCompose(loadLabFile(join(REPO, 'labs', 'dual-stack.yaml')))) as ComposeFile & {
    networks: Record<string, { enable_ipv6?: boolean }>;
    services: Record<string, { networks?: Record<string, { ipv4_address: string; ipv6_address?: string }> }>;
  };

  it('enables IPv6 on every network, still internal, with the /64 as a second IPAM config', () => {
    for (const n of Object.values(dual.networks)) {
      expect(n.internal).toBe(true);
      expect(n.enable_ipv6).toBe(true);
      expect(n.ipam.config[1].subnet).toMatch(/^fd00:8[789]:.*\/64$/);
    }
    expect(Object.values(dual.services['c-de'].networks ?? {})[0].ipv6_address).toMatch(/^fd00:88:/);
  });

  it('writes the ip6tables twin of the host rules beside DOCKER-USER', () => {
    const script = dual.services['host-firewall'].command.join(' ');
    expect(script).toContain('DOCKER-USER');
    expect(script).toContain('ANYCAST-LAB-IN');
    expect(ipv4Lab.families).toEqual(['ipv4']);
    expect((parse(renderCompose(ipv4Lab)) as ComposeFile).services['host-firewall'].command.join(' ')).not.toContain('ip6tables');
  });
});
