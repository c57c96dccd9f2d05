// The integration suite's lab (test/fixtures/labs/test.yaml) is labs/default.yaml
// under another name and other address pools, so `npm test` runs beside a
// user's `default` lab: the topology must not drift, and no Docker network of
// one may overlap one of the other (Docker refuses overlapping subnets).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { overlaps, parseCidr } from '../../src/topology/ipv4.js';
import { overlaps6, parseCidr6 } from '../../src/topology/ipv6.js';
import { loadLabFile } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';

const REPO = join(import.meta.dirname, '..', '..');
const DEFAULT = join(REPO, 'labs', 'default.yaml');
const TEST = join(REPO, 'test', 'fixtures', 'labs', 'test.yaml');

/** The test lab's pools in place of default's: the pinned addresses (links, clients) move with them. */
const toTestPools = (text: string) =>
  text.replaceAll('10.77.', '10.97.').replaceAll('10.78.', '10.98.').replaceAll('fd00:77:', 'fd00:97:').replaceAll('fd00:78:', 'fd00:98:');

/**
 * The lab file without what the test lab may change: its name, pools and
 * collector, and how many trials each verify case runs (the suite runs fewer
 * than a user's `lab verify`, to fit CI's time; the cases and bounds are the same).
 */
const topology = (file: string, map: (text: string) => string = (t) => t) => {
  const { name, addressing, collector, verify, ...rest } = parse(map(readFileSync(file, 'utf8'))) as Record<string, unknown>;
  const cases = (verify as Record<string, unknown>[] | undefined)?.map(({ trials, ...c }) => c);
  return { rest, cases, routerIds: (addressing as { routerIds?: string } | undefined)?.routerIds, collector: !!collector };
};

const subnets = (lab: Lab) => [...lab.links.map((l) => l.subnet), ...lab.lans.map((l) => l.subnet), ...(lab.collector ? [lab.collector.subnet] : [])];

const subnets6 = (lab: Lab) => [
  ...lab.links.flatMap((l) => (l.ipv6 ? [l.ipv6.subnet] : [])),
  ...lab.lans.flatMap((l) => (l.ipv6 ? [l.ipv6.subnet] : [])),
  ...(lab.collector?.ipv6 ? [lab.collector.ipv6.subnet] : []),
];

describe('the integration suite lab', () => {
  it("is default.yaml's topology under its own name", () => {
    expect(topology(TEST)).toEqual(topology(DEFAULT, toTestPools));
    expect(loadLabFile(TEST).name).not.toBe(loadLabFile(DEFAULT).name);
  });

  it("has no network overlapping one of default's", () => {
    const theirs = subnets(loadLabFile(DEFAULT)).map(parseCidr);
    for (const mine of subnets(loadLabFile(TEST))) {
      const clash = theirs.find((t) => overlaps(parseCidr(mine), t));
      expect(clash, `${mine} overlaps a network of labs/default.yaml`).toBeUndefined();
    }
  });

  it("is dual-stack like default and has no IPv6 network overlapping one of default's", () => {
    const [mine, theirs] = [loadLabFile(TEST), loadLabFile(DEFAULT)];
    expect(mine.families).toEqual(theirs.families);
    expect(subnets6(mine)).toHaveLength(subnets6(theirs).length);
    for (const net of subnets6(mine)) {
      const clash = subnets6(theirs).find((t) => overlaps6(parseCidr6(net), parseCidr6(t)));
      expect(clash, `${net} overlaps an IPv6 network of labs/default.yaml`).toBeUndefined();
    }
  });
});
