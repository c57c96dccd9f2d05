// The plan of an `up` against a running lab: which nodes and networks are
// added, removed, recreated, started or reconfigured in place, and why. Pure:
// the desired plan against containers and networks as Docker lists them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeConfigHash, nodeFrrHash } from '../../src/lab/artifacts.js';
import { type LabChanges, planChanges, renderChanges } from '../../src/lab/live-plan.js';
import { type LabPlan, planLab } from '../../src/lab/plan.js';
import { removalCommands } from '../../src/lab/reconfigure.js';
import type { ContainerInfo, ContainerState, NetworkInfo } from '../../src/runtime/runtime.js';
import { parseLab } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { withSydUnderTap } from '../fixtures/live-edit.js';

const FILE = join(import.meta.dirname, '..', '..', 'labs', 'default.yaml');
const TEXT = readFileSync(FILE, 'utf8');
const IMAGES = { router: 'anycast-lab/router:aaaa', client: 'anycast-lab/client:bbbb' };

const WITH_SYD = withSydUnderTap(TEXT);

const labOf = (text: string): Lab => parseLab(text, FILE);
const planOf = (lab: Lab): LabPlan =>
  planLab(lab, IMAGES, { configRoot: '/cfg', agentDir: '/agent' }, Object.fromEntries(lab.routers.map((r) => [r.name, nodeConfigHash(lab, r.name)])));

/** What Docker would list for a lab `up` made from `lab`, every container in `state`. */
function running(lab: Lab, state: ContainerState = 'running'): { containers: ContainerInfo[]; networks: NetworkInfo[] } {
  const plan = planOf(lab);
  return {
    containers: plan.nodes.map((n, i) => ({ id: `c${i}`, name: n.spec.name, state, labels: n.spec.labels, image: n.spec.image, networks: n.spec.networks })),
    // As Docker lists them: a dual-stack network with its IPv6 subnet beside the IPv4 one.
    networks: plan.networks.map((n, i) => ({ id: `n${i}`, name: n.name, subnet: n.subnet, ...(n.ipv6 ? { subnet6: n.ipv6.subnet } : {}), labels: n.labels })),
  };
}

const actions = (c: LabChanges) => Object.fromEntries(c.nodes.filter((n) => n.action !== 'unchanged').map((n) => [n.node, n.action]));
const base = labOf(TEXT);

describe('planChanges', () => {
  it.each<[string, () => LabChanges, Record<string, string>]>([
    [
      'nothing runs: every node is added',
      () => planChanges('default', planOf(base), { containers: [], networks: [] }),
      Object.fromEntries(planOf(base).nodes.map((n) => [n.node, 'add'])),
    ],
    ['the same file again: nothing changes', () => planChanges('default', planOf(base), running(base)), {}],
    [
      'a PoP under t-ap: syd added, t-ap reconfigured in place, nothing recreated',
      () => planChanges('default', planOf(labOf(WITH_SYD)), running(base)),
      { syd: 'add', 't-ap': 'reconfigure' },
    ],
    [
      'the PoP removed again: syd removed, t-ap reconfigured',
      () => planChanges('default', planOf(base), running(labOf(WITH_SYD))),
      { syd: 'remove', 't-ap': 'reconfigure' },
    ],
    [
      'a dockerd restart (all exited, same file): every container started, none recreated',
      () => planChanges('default', planOf(base), running(base, 'exited')),
      Object.fromEntries(planOf(base).nodes.map((n) => [n.node, 'start'])),
    ],
    [
      "a prepend changed: only that PoP's frr.conf, in place",
      () => planChanges('default', planOf(labOf(TEXT.replace('{ node: gru, prepend: 2 }', '{ node: gru, prepend: 3 }'))), running(base)),
      { gru: 'reconfigure' },
    ],
    [
      'another image: every container recreated',
      () =>
        planChanges(
          'default',
          planLab(
            base,
            { router: 'r:new', client: 'c:new' },
            { configRoot: '/cfg', agentDir: '/a' },
            Object.fromEntries(base.routers.map((r) => [r.name, nodeConfigHash(base, r.name)])),
          ),
          running(base),
        ),
      Object.fromEntries(planOf(base).nodes.map((n) => [n.node, 'recreate'])),
    ],
  ])('%s', (_, changes, want) => {
    expect(actions(changes())).toEqual(want);
  });

  it('says why: the link attached and the frr.conf changed, and which network is new', () => {
    const c = planChanges('default', planOf(labOf(WITH_SYD)), running(base));
    const tap = c.nodes.find((n) => n.node === 't-ap')!;
    expect(tap).toMatchObject({ action: 'reconfigure', frrChanged: true, disconnect: [], why: 'link added: al-default-syd--t-ap; frr.conf changed' });
    // The default lab is dual-stack: t-ap attaches at both its addresses on the new link.
    const end = labOf(WITH_SYD).links.find((l) => l.name === 'syd--t-ap')!.b;
    expect(tap.connect).toEqual([{ network: 'al-default-syd--t-ap', ipv4: end.address, ipv6: end.ipv6!.address }]);
    expect(c.networks.filter((n) => n.action !== 'unchanged').map((n) => [n.name, n.action])).toEqual([['al-default-syd--t-ap', 'add']]);
  });

  it('takes what a router runs from the record of in-place changes over its label', () => {
    const withSyd = labOf(WITH_SYD);
    const observed = running(base);
    // t-ap was reconfigured in place to the syd lab: its label still says the old frr.conf.
    observed.containers = observed.containers.map((c) =>
      c.name === 'al-default-t-ap' ? { ...c, networks: planOf(withSyd).nodes.find((n) => n.node === 't-ap')!.spec.networks } : c,
    );
    const applied = { 't-ap': nodeFrrHash(withSyd, 't-ap') };
    const back = planChanges('default', planOf(base), { ...observed, applied });
    expect(back.nodes.find((n) => n.node === 't-ap')).toMatchObject({ action: 'reconfigure', disconnect: ['al-default-syd--t-ap'], frrChanged: true });
    expect(actions(planChanges('default', planOf(withSyd), { ...observed, applied }))).toEqual({ syd: 'add' });
  });

  it('prints like terraform plan: one line per change with its reason, then what stays', () => {
    const text = renderChanges(planChanges('default', planOf(labOf(WITH_SYD)), running(base)));
    expect(text.split('\n')[0]).toBe(
      'lab "default": 1 to add, 1 to reconfigure in place, 0 to start, 0 to recreate, 0 to remove, 15 unchanged; 1 network change',
    );
    expect(text).toMatch(/^ {4}\+ syd +pop +new in the lab file$/m);
    expect(text).toMatch(/^ {4}~ t-ap +transit +link added: al-default-syd--t-ap; frr\.conf changed$/m);
    expect(text).toMatch(/^ {4}\+ network al-default-syd--t-ap 10\.77\.\d+\.\d+\/29 {2}new in the lab file$/m);
  });
});

describe('removalCommands', () => {
  const OLD = [
    'ip prefix-list IN-syd seq 5 permit 192.0.2.0/24',
    'route-map IN-syd permit 10',
    ' set local-preference 200',
    'router bgp 65030',
    ' neighbor 10.77.0.2 remote-as 64500',
    ' neighbor 10.77.9.3 remote-as 64500',
    ' address-family ipv4 unicast',
    '  neighbor 10.77.0.2 route-map IN-fra in',
    '  neighbor 10.77.9.3 route-map IN-syd in',
    ' exit-address-family',
    'bfd',
    ' profile lab',
    ' peer 10.77.9.3',
    '  profile lab',
  ].join('\n');
  const NEW = [
    'router bgp 65030',
    ' neighbor 10.77.0.2 remote-as 64500',
    ' no bgp ebgp-requires-policy',
    ' address-family ipv4 unicast',
    '  neighbor 10.77.0.2 route-map IN-fra in',
    ' exit-address-family',
    'bfd',
    ' profile lab',
  ].join('\n');

  it('undoes only the topmost removed statement of a block, deepest first and the neighbour itself last, each in its context', () => {
    expect(removalCommands(OLD, NEW)).toEqual([
      ...['configure terminal', 'router bgp 65030', 'address-family ipv4 unicast', 'no neighbor 10.77.9.3 route-map IN-syd in', 'end'],
      // The neighbour itself last of its depth: any `no neighbor …` after it would be refused.
      ...['configure terminal', 'bfd', 'no peer 10.77.9.3', 'end'],
      ...['configure terminal', 'router bgp 65030', 'no neighbor 10.77.9.3 remote-as 64500', 'end'],
      ...['configure terminal', 'no ip prefix-list IN-syd seq 5 permit 192.0.2.0/24', 'end'],
      ...['configure terminal', 'no route-map IN-syd permit 10', 'end'],
    ]);
  });

  it('turns a removed `no …` statement into its positive form, and removes nothing between equal configs', () => {
    expect(removalCommands(NEW, OLD)).toContain('bgp ebgp-requires-policy');
    expect(removalCommands(OLD, OLD)).toEqual([]);
  });
});

describe('planChanges, dual-stack', () => {
  const DUAL_FILE = join(import.meta.dirname, '..', '..', 'labs', 'dual-stack.yaml');
  const dual = parseLab(readFileSync(DUAL_FILE, 'utf8'), DUAL_FILE);
  /** What Docker lists for `up` of `lab`: networks with their IPv6 subnet, containers at both addresses. */
  const runningDual = (lab: Lab) => {
    const plan = planOf(lab);
    return {
      containers: plan.nodes.map((n, i) => ({
        id: `c${i}`,
        name: n.spec.name,
        state: 'running' as const,
        labels: n.spec.labels,
        image: n.spec.image,
        networks: n.spec.networks,
      })),
      networks: plan.networks.map((n, i) => ({ id: `n${i}`, name: n.name, subnet: n.subnet, ...(n.ipv6 ? { subnet6: n.ipv6.subnet } : {}), labels: n.labels })),
    };
  };

  it('the same dual-stack file again: nothing changes', () => {
    const c = planChanges('dual', planOf(dual), runningDual(dual));
    expect(c.networks.filter((n) => n.action !== 'unchanged')).toEqual([]);
    expect(actions(c)).toEqual({});
  });

  it('a network made without IPv6 (the lab was [ipv4]) is recreated, naming why', () => {
    const was = runningDual(dual);
    const v4only = { ...was, networks: was.networks.map(({ subnet6: _, ...n }) => n) };
    const c = planChanges('dual', planOf(dual), v4only);
    expect(c.networks.every((n) => n.action === 'recreate')).toBe(true);
    expect(c.networks[0].why).toMatch(/^IPv6 subnet none → fd00:87:/);
  });
});
