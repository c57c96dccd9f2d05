// `lab status` shows live overrides: per router and in one summary a trainer can act on.
import { describe, expect, it } from 'vitest';
import { renderStatusTable } from '../../src/report/status-table.js';
import { pop } from '../../src/topology/roles/pop.js';

describe('status with live overrides', () => {
  it('reads the drain marker from the PoP status script output', () => {
    const health = JSON.stringify({ state: 'withdrawn', phase: 'healthy', drained: true });
    expect(pop.status.read(`${health}\n@@\n{}\n@@\ndrained\n`)).toMatchObject({ drained: true, announce: { state: 'withdrawn' } });
    expect(pop.status.read(`${health}\n@@\n{}\n@@\n`)).toMatchObject({ drained: false });
  });

  it('lists policy per router, drained PoPs, and how to undo them all', () => {
    const table = renderStatusTable({
      labs: ['default'],
      nodes: [
        {
          lab: 'default',
          node: 'fra',
          role: 'pop',
          container: 'al-default-fra',
          state: 'running',
          announce: { state: 'withdrawn' },
          drained: true,
          policy: [],
        },
        {
          lab: 'default',
          node: 'iad',
          role: 'pop',
          container: 'al-default-iad',
          state: 'running',
          announce: { state: 'announced' },
          drained: false,
          policy: [{ router: 'iad', neighbor: 't-us', kind: 'prepend', value: 3, base: 0 }],
        },
      ],
    });
    expect(table).toContain('default/fra     pop      running  anycast withdrawn  DRAINED (npm run lab -- announce to undo)');
    expect(table).toContain('    policy iad → t-us prepend 3 (lab file: none)');
    expect(table.split('\n').slice(-4)).toEqual([
      'active overrides (2), not in the lab file:',
      '  iad → t-us prepend 3 (lab file: none)',
      '  fra drained (withdrawn by the operator)',
      '  undo: npm run lab -- policy --reset-all',
    ]);
  });

  it('shows no summary when the lab runs its lab file', () => {
    const table = renderStatusTable({ labs: ['default'], nodes: [{ lab: 'default', node: 'iad', role: 'pop', container: 'x', state: 'running', policy: [] }] });
    expect(table).not.toContain('active overrides');
  });

  it("marks a dual-stack lab's IPv6 sessions `bgp6`, each with its own BFD, and leaves the IPv4 lines as they were", () => {
    const table = renderStatusTable({
      labs: ['dual'],
      nodes: [
        {
          lab: 'dual',
          node: 'fra',
          role: 'transit',
          container: 'al-dual-fra',
          state: 'running',
          bgp: [
            { peer: '10.87.0.3', neighbor: 't-eu', remoteAs: 65010, state: 'Established', pfxRcd: 4, pfxSnt: 1 },
            { peer: 'fd00:87:0:7103::3', family: 'ipv6', neighbor: 't-eu', remoteAs: 65010, state: 'Established', pfxRcd: 4, pfxSnt: 1 },
          ],
          bfd: [
            { peer: '10.87.0.3', status: 'up', transmitInterval: 100, detectMultiplier: 3 },
            { peer: 'fd00:87:0:7103::3', status: 'down', transmitInterval: 100, detectMultiplier: 3 },
          ],
        },
      ],
    });
    const lines = table.split('\n');
    expect(lines[1]).toMatch(/^ {4}bgp t-eu {4}10\.87\.0\.3 {4}AS65010 .* bfd up 100ms x3$/);
    expect(lines[2]).toMatch(/^ {4}bgp6 t-eu {4}fd00:87:0:7103::3 AS65010 .* bfd down 100ms x3$/);
  });
});
