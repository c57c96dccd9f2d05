import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFileError } from '../../src/errors.js';
import { parseLab } from '../../src/topology/load.js';
import { crossingLinks, placeLab, renderPlacement } from '../../src/topology/placement.js';

const FILE = join(import.meta.dirname, '..', '..', 'labs', 'default.yaml');
const DEFAULT = readFileSync(FILE, 'utf8');
const withHosts = (extra: string) => parseLab(`${DEFAULT}\n${extra}`, FILE);
const TWO = 'hosts:\n  - { name: h1, endpoint: unix:///var/run/docker.sock }\n  - { name: h2, endpoint: "ssh://lab@node2" }\n';
const DEFAULT_LINES = DEFAULT.split('\n').length;

function issuesOf(text: string): string[] {
  try {
    parseLab(`${DEFAULT}\n${text}`, FILE);
  } catch (err) {
    if (err instanceof LabFileError) return err.issues.map((i) => `${i.line}: ${i.field}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('hosts: in a lab file', () => {
  it('leaves a lab without hosts: exactly as it was', () => {
    expect(parseLab(DEFAULT, FILE).hosts).toBeUndefined();
    expect(withHosts('placement: auto\n').hosts).toBeUndefined();
  });

  it('parses unix, tcp with TLS and ssh endpoints; the first host manages unless another says so', () => {
    const lab = withHosts(
      'hosts:\n  - { name: h1, endpoint: unix:///var/run/docker.sock }\n  - { name: h2, endpoint: "tcp://10.0.0.2", tls: { ca: ca.pem, cert: cert.pem, key: key.pem }, manager: true }\n  - { name: h3, endpoint: "ssh://lab@node3:2222" }\n',
    );
    expect(lab.hosts?.manager).toBe('h2');
    expect(lab.hosts?.hosts.map((h) => h.engine)).toEqual([
      { kind: 'unix', socketPath: '/var/run/docker.sock' },
      { kind: 'tcp', host: '10.0.0.2', port: 2376, tls: { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem' } },
      { kind: 'ssh', host: 'node3', port: 2222, username: 'lab' },
    ]);
    expect(withHosts(TWO).hosts?.manager).toBe('h1');
  });

  it.each([
    ['tcp without TLS', 'hosts:\n  - { name: h1, endpoint: "tcp://10.0.0.2:2375" }\n', 'hosts[0].tls: tcp:// endpoint "tcp://10.0.0.2:2375" needs tls:'],
    ['an unknown scheme', 'hosts:\n  - { name: h1, endpoint: "http://x" }\n', 'hosts[0].endpoint: unsupported endpoint "http://x"'],
    ['a relative socket', 'hosts:\n  - { name: h1, endpoint: "unix://docker.sock" }\n', 'hosts[0].endpoint: expected an absolute socket path'],
    ['a host listed twice', `${TWO}  - { name: h2, endpoint: unix:///b.sock }\n`, 'hosts[2].name: host "h2" is listed twice'],
    [
      'two managers',
      `${TWO.replace('docker.sock }', 'docker.sock, manager: true }').replace('node2" }', 'node2", manager: true }')}`,
      'hosts[1].manager: only one host',
    ],
    ['a pin to an unknown host', `${TWO}placement: { fra: h9 }\n`, 'placement.fra: unknown host "h9" (hosts: h1, h2)'],
    ['a pin of an unknown node', `${TWO}placement: { frx: h1 }\n`, 'placement.frx: unknown node "frx"'],
    ['pins without hosts', 'placement: { fra: h1 }\n', 'placement: placement needs a hosts: list'],
    [
      'an unknown host field',
      'hosts:\n  - { name: h1, endpoint: unix:///a.sock, ip: 1.2.3.4 }\n',
      'hosts[0].ip: unknown field "ip" (expected one of: name, endpoint, tls, manager)',
    ],
  ])('refuses %s, naming line and field', (_what, text, expected) => {
    const issues = issuesOf(text);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toContain(expected);
    // The line is inside the appended text, not 0 or the top of the file.
    expect(Number(issues[0].split(':')[0])).toBeGreaterThan(DEFAULT_LINES - 1);
  });
});

describe('placeLab', () => {
  it('keeps each PoP and eyeball with its transit and balances routers over two hosts: one link crosses, plus the collector LAN', () => {
    const lab = withHosts(TWO);
    const p = placeLab(lab, lab.hosts!);
    expect(p.hosts).toEqual([
      { name: 'h1', routers: ['iad', 'gru', 't-us', 'eb-us', 'eb-br'], clients: ['c-us', 'c-br'] },
      { name: 'h2', routers: ['fra', 'nrt', 't-eu', 't-ap', 'eb-de', 'eb-jp'], clients: ['c-de', 'c-jp'] },
    ]);
    expect(p.host.collector).toBe('h2');
    expect(crossingLinks(lab, p)).toEqual([
      { name: 't-eu--t-us', kind: 'link', hosts: ['h1', 'h2'] },
      { name: 'collector LAN', kind: 'lan', hosts: ['h1', 'h2'] },
    ]);
  });

  it('puts everything on one host when there is one: nothing crosses', () => {
    const lab = withHosts('hosts:\n  - { name: solo, endpoint: unix:///var/run/docker.sock }\n');
    const p = placeLab(lab, lab.hosts!);
    expect(new Set(Object.values(p.host))).toEqual(new Set(['solo']));
    expect(crossingLinks(lab, p)).toEqual([]);
  });

  it('honours pins: a pinned transit takes its group along, a pinned PoP alone leaves its uplink crossing', () => {
    const lab = withHosts(`${TWO}placement: { t-ap: h2, nrt: h1 }\n`);
    const p = placeLab(lab, lab.hosts!);
    expect(p.host['eb-jp']).toBe('h2');
    expect(p.host.nrt).toBe('h1');
    expect(crossingLinks(lab, p).map((c) => c.name)).toContain('nrt--t-ap');
    expect(renderPlacement(lab.hosts!, p, crossingLinks(lab, p))).toContain('(pinned: t-ap)');
  });

  it('spreads three transits over three hosts, one group each', () => {
    const lab = withHosts(`${TWO}  - { name: h3, endpoint: unix:///h3.sock }\n`);
    const p = placeLab(lab, lab.hosts!);
    expect(p.hosts.map((h) => h.routers.length)).toEqual([5, 3, 3]);
    expect(
      crossingLinks(lab, p)
        .filter((c) => c.kind === 'link')
        .map((c) => c.name),
    ).toEqual(['t-eu--t-us', 't-eu--t-ap']);
  });

  it('renders hosts, their nodes and the crossing links', () => {
    const lab = withHosts(TWO);
    const p = placeLab(lab, lab.hosts!);
    expect(renderPlacement(lab.hosts!, p, crossingLinks(lab, p))).toBe(
      [
        'placement on 2 hosts (Swarm manager: h1):',
        '  h1: 5 routers, 2 clients: iad gru t-us eb-us eb-br c-us c-br',
        '  h2: 6 routers, 2 clients: fra nrt t-eu t-ap eb-de eb-jp c-de c-jp',
        'links crossing hosts (2, each an overlay):',
        '  t-eu--t-us (link): h1 ↔ h2',
        '  collector LAN (lan): h1 ↔ h2',
      ].join('\n'),
    );
  });
});
