// Adding a role is one module plus one registry line: a toy `collector` role
// (test/fixtures/roles/collector.ts) is registered into a copy of the
// registry, and the unchanged schema, resolve, render, plan, convergence and
// status code handle it.
import { describe, expect, it, vi } from 'vitest';
import { LabFileError } from '../../src/errors.js';
import { nodeConfigHash } from '../../src/lab/artifacts.js';
import { pendingOn } from '../../src/lab/frr-state.js';
import { planLab } from '../../src/lab/plan.js';
import { renderRouter } from '../../src/render/frr-config.js';
import { renderStatusTable } from '../../src/report/status-table.js';
import { parseLab } from '../../src/topology/load.js';
import { BASE, BASE_FILE } from '../fixtures/topology/base.js';

vi.mock('../../src/topology/roles/registry.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/topology/roles/registry.js')>();
  const { collector } = await import('../fixtures/roles/collector.js');
  return { ...real.registryOf({ ...real.ROLES, collector }), registryOf: real.registryOf };
});

const withCollector = (router = '  - { name: col, asn: 65500, feed: ris }', link = '  - { a: col, b: t-one, bfd: false }') =>
  BASE.replace('ases:\n', 'ases:\n  - { asn: 65500, name: Collector, role: collector }\n')
    .replace('links:\n', `${router}\nlinks:\n`)
    .replace('clients:\n', `${link}\nclients:\n`);

function issuesOf(text: string) {
  try {
    parseLab(text, BASE_FILE);
  } catch (err) {
    if (err instanceof LabFileError) return err.issues;
    throw err;
  }
  throw new Error('expected a LabFileError');
}

const lab = parseLab(withCollector(), BASE_FILE);
const frr = (router: string) => renderRouter(lab, router);

describe('a role added in one module', () => {
  it('is accepted by the schema and resolved with the defaults its spec sets', () => {
    expect(lab.routers.find((r) => r.name === 'col')).toMatchObject({ role: 'collector', asn: 65500 });
    // The transit prefers routes from a neighbour that buys transit.
    const link = lab.links.find((l) => l.name === 'col--t-one')!;
    expect(link.b).toMatchObject({ node: 't-one', localPref: 200 });
    expect(link.a).toMatchObject({ node: 'col', localPref: 100 });
  });

  it('is listed among the supported roles, and its own fields are refused on other roles', () => {
    expect(issuesOf(BASE.replace('role: transit }', 'role: collectr }'))[0].message).toBe(
      'unknown role "collectr" (supported roles: pop, transit, eyeball, collector)',
    );
    expect(issuesOf(withCollector().replace('{ name: t-one, asn: 65010 }', '{ name: t-one, asn: 65010, feed: ris }'))).toEqual([
      expect.objectContaining({ field: 'routers[2].feed', message: '"feed" is only meaningful on collectors; t-one is a transit' }),
    ]);
    const two = withCollector(
      '  - { name: col, asn: 65500 }\n  - { name: col2, asn: 65501 }',
      '  - { a: col, b: t-one }\n  - { a: col2, b: t-one }\n  - { a: col, b: col2 }',
    ).replace('ases:\n', 'ases:\n  - { asn: 65501, name: Collector Two, role: collector }\n');
    expect(issuesOf(two).map((i) => i.message)).toContain('col and col2 are both collectors: collectors only listen');
  });

  it('renders its FRR config from its spec: header, policy, networks and daemons', () => {
    const conf = frr('col')['frr.conf'];
    expect(conf).toContain('! col: route collector, AS65500, .');
    expect(conf).toContain('! A collector takes every route and sends none.');
    expect(conf).toContain(`ip prefix-list IN-t-one seq 5 permit 192.0.2.0/24\nip prefix-list IN-t-one seq 10 permit ${lab.lans[0].subnet}`);
    expect(conf).toContain('ip prefix-list OUT-t-one seq 5 deny any');
    expect(conf).toContain('  ! a collector announces nothing');
    expect(frr('col').daemons).toMatch(/^bgpd=yes$/m);
    expect(frr('col').daemons).toMatch(/^bfdd=no$/m);
    expect(frr('col').daemons).not.toContain('bfdd_options');
  });

  it('changes what its neighbours send it, through its own accepts(), and nothing else', () => {
    const conf = frr('t-one')['frr.conf'];
    expect(conf).toContain(`ip prefix-list OUT-col seq 5 permit 192.0.2.0/24\nip prefix-list OUT-col seq 10 permit ${lab.lans[0].subnet}`);
    expect(conf).toContain('ip prefix-list IN-col seq 5 deny any');
    expect(frr('pop-a')).toEqual(renderRouter(parseLab(BASE, BASE_FILE), 'pop-a'));
  });

  it('counts as converged by its own routes', () => {
    const state = {
      bgp: [{ peer: lab.links.find((l) => l.name === 'col--t-one')!.b.address, state: 'Established', pfxRcd: 2, pfxSnt: 0 }],
      bfd: [],
      routes: [],
    };
    expect(pendingOn(lab, 'col', state)).toEqual(['col: no route to 192.0.2.0/24']);
    expect(pendingOn(lab, 'col', { ...state, routes: ['192.0.2.0/24'] })).toEqual([]);
  });

  it('starts its container with its own environment, steps and agent files', () => {
    const plan = planLab(lab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' });
    const col = plan.nodes.find((n) => n.node === 'col')!;
    expect(col.role).toBe('collector');
    expect(col.spec.env).toEqual({
      ROLE: 'collector',
      NODE: 'col',
      COLLECTOR_DIR: '/var/lib/collector',
      ROLE_SETUP: 'mkdir -p /var/lib/collector',
      ROLE_SERVICES: 'log "starting collector"',
    });
    expect(col.spec.binds).toContain('/cfg/mini/col/agent:/etc/anycast-lab:ro');
    expect(col.spec.labels['anycast-lab.role']).toBe('collector');
    expect(nodeConfigHash(lab, 'col')).toMatch(/^[0-9a-f]{24}\{"name":"col"\}\n$/);
  });

  it('shows what its status reader found in `lab status`', () => {
    const table = renderStatusTable({
      labs: ['mini'],
      nodes: [{ lab: 'mini', node: 'col', role: 'collector', container: 'al-mini-col', state: 'running', routesSeen: 5 }],
    });
    expect(table).toContain('routes seen 5');
  });
});
