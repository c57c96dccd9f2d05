import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { planLab } from '../../src/lab/plan.js';
import { generateLab } from '../../src/topology/generate.js';
import { loadLabFile, parseLab } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { INTEGRATION_ORDER, laneBLabText, orderIntegrationFiles, SIDE_LABS_OF_LANE, SUITE_PHASES } from '../sequencer.js';

const DIR = join(import.meta.dirname, '..', 'integration');
const files = (...names: string[]) => names.map((n) => `/repo/test/integration/${n}.test.ts`);

describe('integration file order', () => {
  it('names only files that exist, each once', () => {
    const present = readdirSync(DIR)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.test\.ts$/, ''));
    for (const name of INTEGRATION_ORDER) expect(present, name).toContain(name);
    expect(new Set(INTEGRATION_ORDER).size).toBe(INTEGRATION_ORDER.length);
  });

  it('runs the files that only use the lab first and the ones that take it down last', () => {
    const order = orderIntegrationFiles(files('pack', 'bringup', 'dual-stack', 'web', 'failover', 'lifecycle', 'collector'));
    expect(order).toEqual(files('failover', 'web', 'collector', 'lifecycle', 'dual-stack', 'bringup', 'pack'));
  });

  it('puts a file it does not name after the shared files and before the other labs, keeping the order it came in', () => {
    const order = orderIntegrationFiles(files('pack', 'new-b', 'dual-stack', 'new-a', 'failover'));
    expect(order).toEqual(files('failover', 'new-b', 'new-a', 'dual-stack', 'pack'));
  });

  it('runs the files that start no lab (the timed probe agent tests) first, before any lab is up', () => {
    const order = orderIntegrationFiles(files('failover', 'new-a', 'probe-agent-timed', 'pack'));
    expect(order).toEqual(files('probe-agent-timed', 'failover', 'new-a', 'pack'));
  });

  it('puts every named file in exactly one phase or lane, the order being the phases one after the other', () => {
    const inPhases = SUITE_PHASES.flatMap((p) => ('files' in p ? p.files : [...p.lanes.a, ...p.lanes.b]));
    expect(inPhases).toEqual(INTEGRATION_ORDER);
  });

  it('times failover and `lab verify` alone: the timed files are in the first and last phases, never in a lane', () => {
    const lanes = SUITE_PHASES.flatMap((p) => ('lanes' in p ? [...p.lanes.a, ...p.lanes.b] : []));
    for (const timed of ['probe-agent-timed', 'classroom-page', 'failover', 'faults-more', 'dual-stack-failover', 'verify', 'ci-recipe', 'pack'])
      expect(lanes).not.toContain(timed);
  });
});

/** Every subnet (IPv4 and IPv6) of the Docker networks `up` creates for the lab. */
const subnetsOf = (lab: Lab) =>
  planLab(lab, { router: 'r:1', client: 'c:1' }, { configRoot: '/cfg', agentDir: '/agent' }).networks.flatMap((n) => [
    { lab: lab.name, net: n.name, cidr: n.subnet },
    ...(n.ipv6 ? [{ lab: lab.name, net: n.name, cidr: n.ipv6.subnet }] : []),
  ]);

const overlap = (a: string, b: string) => {
  const [x, y] = [ipaddr.parseCIDR(a), ipaddr.parseCIDR(b)];
  return x[0].kind() === y[0].kind() && (x[0].match(y) || y[0].match(x));
};

describe("the lanes' labs", () => {
  const fixture = (name: string) => join(import.meta.dirname, '..', 'fixtures', 'labs', name);
  const testLab = readFileSync(fixture('test.yaml'), 'utf8');
  const laneA = [loadLabFile(fixture('test.yaml')), loadLabFile(fixture('broken-asn.yaml')), loadLabFile(fixture('delay.yaml'))];
  const laneB = [
    parseLab(laneBLabText(testLab), 'test-b.yaml'),
    loadLabFile(join(import.meta.dirname, '..', '..', 'labs', 'dual-stack.yaml')),
    loadLabFile(fixture('small.yaml')),
    parseLab(generateLab({ pops: 8, transits: 3, eyeballs: 4, name: 'eight' }), 'eight.yaml'),
  ];

  it('are the labs each lane names (its global setup removes only those)', () => {
    expect(laneA.map((l) => l.name)).toEqual([...SIDE_LABS_OF_LANE.a]);
    expect(laneB.map((l) => l.name)).toEqual(SIDE_LABS_OF_LANE.b.filter((n) => n !== 'split'));
  });

  it("share no subnet across the lanes: Docker refuses a network that overlaps another lab's", () => {
    const clashes = laneA.flatMap(subnetsOf).flatMap((a) =>
      laneB
        .flatMap(subnetsOf)
        .filter((b) => overlap(a.cidr, b.cidr))
        .map((b) => `${a.lab}/${a.net} ${a.cidr} ∩ ${b.lab}/${b.net} ${b.cidr}`),
    );
    expect(clashes).toEqual([]);
  });

  it("test-b is the suite's lab under another name, on pools of its own (the same lab renamed clashes on every network)", () => {
    const b = parseLab(laneBLabText(testLab), 'test-b.yaml');
    const a = loadLabFile(fixture('test.yaml'));
    expect(b.name).toBe('test-b');
    expect(b.routers.map((r) => r.name)).toEqual(a.routers.map((r) => r.name));
    expect(subnetsOf(b)).toHaveLength(subnetsOf(a).length);
    // Without the new pools it would clash with the suite's lab on every network.
    const same = parseLab(testLab.replace(/^name: test$/m, 'name: test-b'), 'test-b.yaml');
    expect(subnetsOf(a).filter((x) => subnetsOf(same).some((y) => overlap(x.cidr, y.cidr)))).toHaveLength(subnetsOf(a).length);
    expect(subnetsOf(a).filter((x) => subnetsOf(b).some((y) => overlap(x.cidr, y.cidr)))).toEqual([]);
    expect(() => laneBLabText('name: other\n')).toThrow(/no `name: test` line/);
  });
});
