// runningLab hands out the model of a running lab only while its lab file
// still describes what runs (the config-hash label `up` put on each
// container); findNodeContainer gives `lg` the lab's anycast prefix.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nodeConfigHash } from '../../src/lab/artifacts.js';
import { findNodeContainer } from '../../src/lab/find-node.js';
import { labStateOf, writeLabState } from '../../src/lab/lab-state.js';
import { planLab } from '../../src/lab/plan.js';
import { changedNodes, runningLab } from '../../src/lab/running-lab.js';
import type { ContainerInfo } from '../../src/runtime/runtime.js';
import { loadLabFile } from '../../src/topology/load.js';
import type { Lab } from '../../src/topology/model.js';
import { listingRuntime } from './support/listing-runtime.js';

const DEFAULT_LAB = join(import.meta.dirname, '..', '..', 'labs', 'default.yaml');
const IMAGES = { router: 'anycast-lab/router:aaaa', client: 'anycast-lab/client:bbbb' };

/** The containers `up` would have made for `lab`: its plan's names, labels and images. */
function containersOf(lab: Lab): ContainerInfo[] {
  const hashes = Object.fromEntries(lab.routers.map((r) => [r.name, nodeConfigHash(lab, r.name)]));
  return planLab(lab, IMAGES, { configRoot: '/cfg', agentDir: '/agent' }, hashes).nodes.map((n, i) => ({
    id: `id-${i}`,
    name: n.spec.name,
    state: 'running',
    labels: n.spec.labels,
    image: n.spec.image,
  }));
}

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'running-lab-'));
  file = join(dir, 'lab.yaml');
  copyFileSync(DEFAULT_LAB, file);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runningLab', () => {
  it('returns the model when the lab file is what the containers were created from', async () => {
    const lab = loadLabFile(file);
    const got = await runningLab(listingRuntime(containersOf(lab)), undefined, undefined, dir);
    expect(got.name).toBe(lab.name);
    expect(got.routers.map((r) => r.name)).toEqual(lab.routers.map((r) => r.name));
  });

  it('fails with LAB_CHANGED, naming the nodes, when the lab file was edited since `up`', async () => {
    const rt = listingRuntime(containersOf(loadLabFile(file)));
    // fra's router ID changes: its FRR config (and so its container) would be different.
    const text = readFileSync(file, 'utf8');
    const edited = text.replace(/(- \{ name: fra,[^}]*routerId: )[\d.]+/, (_, head: string) => `${head}10.255.9.9`);
    expect(edited).not.toBe(text);
    writeFileSync(file, edited);
    const err = await runningLab(rt, undefined, undefined, dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'LabError', code: 'LAB_CHANGED' });
    expect((err as Error).message).toMatch(/\bfra\b.*created from another version of .*lab\.yaml/);
    expect((err as Error).message).toMatch(/run `npm run lab -- up .*lab\.yaml` again first/);
  });

  it('counts a node the lab file no longer has as changed, and a missing container as not', () => {
    const lab = loadLabFile(file);
    const running = containersOf(lab);
    expect(changedNodes(lab, running)).toEqual([]);
    // A node killed by a fault (its container gone) is not a change of the file.
    expect(
      changedNodes(
        lab,
        running.filter((c) => c.labels['anycast-lab.node'] !== 'fra'),
      ),
    ).toEqual([]);
    const stranger = { ...running[0], labels: { ...running[0].labels, 'anycast-lab.node': 'gone' } };
    expect(changedNodes(lab, [...running, stranger])).toEqual(['gone']);
  });

  it('judges each container with the image it runs, so a rebuilt image is not a lab change', () => {
    const lab = loadLabFile(file);
    const other = containersOf(lab).map((c) => ({ ...c, image: `${c.image}-other` }));
    expect(changedNodes(lab, other).length).toBeGreaterThan(0);
    expect(changedNodes(lab, containersOf(lab))).toEqual([]);
  });
});

describe('findNodeContainer', () => {
  it('gives a router the anycast prefix of its lab file', async () => {
    const text = readFileSync(file, 'utf8');
    const prefix = /prefix:\s*(\S+)/.exec(text);
    // The default lab may leave the prefix to the schema's default; set another to see it used.
    const edited = prefix ? text.replace(prefix[0], 'prefix: 198.51.100.0/24') : text.replace(/^anycast:\n/m, 'anycast:\n  prefix: 198.51.100.0/24\n');
    writeFileSync(file, edited.replace(/192\.0\.2\./g, '198.51.100.'));
    const lab = loadLabFile(file);
    expect(lab.anycast.prefix).toBe('198.51.100.0/24');
    const rt = listingRuntime(containersOf(lab));
    expect(await findNodeContainer(rt, 't-eu')).toMatchObject({ node: 't-eu', kind: 'router', anycastPrefix: '198.51.100.0/24' });
    expect((await findNodeContainer(rt, 'c-de')).anycastPrefix).toBeUndefined();
  });

  it('still finds a router whose lab file no longer loads, without a prefix', async () => {
    const rt = listingRuntime(containersOf(loadLabFile(file)));
    writeFileSync(file, 'name: default\nrouters: [');
    const found = await findNodeContainer(rt, 't-eu');
    expect(found.kind).toBe('router');
    expect(found.anycastPrefix).toBeUndefined();
  });
});

describe('runningLab after a live edit', () => {
  it('takes the lab file of the last converged up when kept containers name an older one', async () => {
    const edited = join(dir, 'edited.yaml');
    writeFileSync(edited, readFileSync(file, 'utf8'));
    const lab = loadLabFile(edited);
    // Kept containers still carry the file they were created from; one new one names the edited file.
    const containers = containersOf(lab).map((c, i) => (i === 0 ? c : { ...c, labels: { ...c.labels, 'anycast-lab.file': file } }));
    await expect(runningLab(listingRuntime(containers), undefined, undefined, dir)).rejects.toThrow(/name 2 lab files/);
    await writeLabState(dir, labStateOf(lab, readFileSync(edited, 'utf8'), new Date()), lab.name);
    expect((await runningLab(listingRuntime(containers), undefined, undefined, dir)).file).toBe(edited);
  });
});
